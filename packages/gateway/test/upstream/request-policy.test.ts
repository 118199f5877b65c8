import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/errors/api-error.js";
import { createApp, parseConfig } from "../../src/index.js";
import { enforceRequestPolicy } from "../../src/upstream/request-policy.js";
import { buildUpstreams } from "../../src/upstream/upstreams.js";

const config = parseConfig(
  {
    backends: {
      gpu: { type: "openai-compatible", baseUrl: "http://gpu.test/v1" },
      vl: {
        type: "openai-compatible",
        baseUrl: "http://vl.test/v1",
        policy: { mediaHosts: ["images.example.com"], denyFields: [] },
      },
      strict: {
        type: "openai-compatible",
        baseUrl: "http://strict.test/v1",
        policy: { allowFields: ["temperature", "max_tokens"], contentParts: ["text"] },
      },
      cloud: { type: "dashscope", apiKey: "sk-x" },
    },
    models: { m: { targets: [{ backend: "gpu", model: "m" }] } },
  },
  {},
);
const upstreams = buildUpstreams(config);

function refusal(backend: string, body: Record<string, unknown>): ApiError | null {
  try {
    enforceRequestPolicy({ model: "m", ...body }, upstreams.get(backend)!.policy);
    return null;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
}

const image = (url: string) => ({
  messages: [
    {
      role: "user",
      content: [
        { type: "text", text: "what is this?" },
        { type: "image_url", image_url: { url } },
      ],
    },
  ],
});

describe("a backend's request policy", () => {
  it("refuses chat_template by default, naming the parameter, in OpenAI's shape", () => {
    const err = refusal("gpu", { messages: [], chat_template: "{{ 7*7 }}" });
    expect(err?.status).toBe(400);
    expect(err?.body).toMatchObject({
      type: "invalid_request_error",
      param: "chat_template",
      code: "unsupported_parameter",
    });
    // chat_template_kwargs carries thinking controls: it stays allowed.
    expect(refusal("gpu", { messages: [], chat_template_kwargs: { enable_thinking: false } })).toBe(
      null,
    );
  });

  it("refuses guided-decoding regexes and grammars by default, and lets an operator allow them", () => {
    expect(refusal("gpu", { messages: [], guided_regex: "(a+)+$" })?.body.param).toBe(
      "guided_regex",
    );
    expect(refusal("vl", { messages: [], guided_regex: "a+" })).toBe(null);
    // response_format is OpenAI's own structured output: not a vendor knob.
    expect(refusal("gpu", { messages: [], response_format: { type: "json_object" } })).toBe(null);
  });

  it("takes images to a self-hosted backend only as data: URLs", () => {
    expect(refusal("gpu", image("data:image/png;base64,iVBORw0KGgo="))).toBe(null);
    const err = refusal("gpu", image("http://169.254.169.254/latest/meta-data/"));
    expect(err?.status).toBe(400);
    expect(err?.body.param).toBe("messages[0].content[1].image_url.url");
    expect(err?.body.message).not.toContain("169.254");
  });

  it("takes media URLs from the hosts an operator allows, and any host on DashScope", () => {
    expect(refusal("vl", image("https://images.example.com/cat.png"))).toBe(null);
    expect(refusal("vl", image("https://IMAGES.example.com/cat.png"))).toBe(null);
    expect(refusal("vl", image("https://images.example.com.evil.test/cat.png"))).not.toBe(null);
    expect(refusal("vl", image("file:///etc/passwd"))).not.toBe(null);
    expect(refusal("cloud", image("https://anywhere.example.org/cat.png"))).toBe(null);
  });

  it("with an allowlist, refuses any other field and any part type not listed", () => {
    expect(refusal("strict", { messages: [], temperature: 0.6, stream: true })).toBe(null);
    expect(refusal("strict", { messages: [], top_k: 5 })?.body.param).toBe("top_k");
    const err = refusal("strict", image("data:image/png;base64,AAAA"));
    expect(err?.body.param).toBe("messages[0].content[1].type");
  });

  it("reaches the client as a 400 before anything is sent upstream", async () => {
    let calls = 0;
    const app = createApp({
      config: parseConfig({ ...config, server: { auth: "none" }, keys: [] } as never, {}),
      fetch: (async () => {
        calls++;
        return new Response("", { status: 500 });
      }) as unknown as typeof fetch,
    });
    const res = await app.request("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "m", ...image("http://10.0.0.1/x.png") }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { param: string } };
    expect(body.error.param).toBe("messages[0].content[1].image_url.url");
    expect(calls).toBe(0);
  });
});
