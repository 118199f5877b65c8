import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIALECTS, type Emulator, emuPrompt, startEmulator } from "../src/index.js";
import { rawPost, stable } from "./raw-client.js";
import { WIRE } from "./wire-vectors.js";

const SPEC = {
  reasoning: "Let me think.",
  content: "Paris",
  chunks: 2,
  usage: { prompt: 10, completion: 20 },
};
const CONTENT_TYPES: Record<string, string> = {
  dashscope: "text/event-stream;charset=UTF-8",
  vllm: "text/event-stream; charset=utf-8",
  "vllm-0.11": "text/event-stream; charset=utf-8",
  "vllm-raw": "text/event-stream; charset=utf-8",
  sglang: "text/event-stream",
  ollama: "text/event-stream",
  llamacpp: "text/event-stream",
};

// Id formats as the servers mint them (DashScope: uuid; vLLM 0.11+: 16 hex; SGLang: uuid hex;
// Ollama: a small number; llama.cpp: 32 letters and digits).
const ID_FORMATS: Record<string, RegExp> = {
  dashscope: /^chatcmpl-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  vllm: /^chatcmpl-[0-9a-f]{16}$/,
  "vllm-0.11": /^chatcmpl-[0-9a-f]{16}$/,
  "vllm-raw": /^chatcmpl-[0-9a-f]{16}$/,
  sglang: /^[0-9a-f]{32}$/,
  ollama: /^chatcmpl-\d{1,3}$/,
  llamacpp: /^chatcmpl-[A-Za-z0-9]{32}$/,
};

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());

describe.each(DIALECTS.map((d) => [d.name, d] as const))("%s", (name, dialect) => {
  const url = () => `${emu.url}${dialect.prefix}/chat/completions`;

  it("streams the exact bytes of the backend", async () => {
    const res = await rawPost(url(), {
      model: dialect.defaultModel,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: emuPrompt(SPEC) }],
    });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe(CONTENT_TYPES[name]);
    const expected = `${WIRE[name]!.stream.map((c) => `data: ${JSON.stringify(c)}\n\n`).join("")}data: [DONE]\n\n`;
    expect(stable(res.text)).toBe(expected);
  });

  it("keeps one id and one timestamp for the whole stream", async () => {
    const res = await rawPost(url(), {
      stream: true,
      messages: [{ role: "user", content: emuPrompt(SPEC) }],
    });
    const ids = new Set(res.text.match(/"id":"[^"]+"/g));
    const created = new Set(res.text.match(/"created":\d+/g));
    expect(ids.size).toBe(1);
    expect(created.size).toBe(1);
    const id = JSON.parse(ids.values().next().value!.slice(5));
    expect(id).toMatch(ID_FORMATS[name]!);
  });

  it("answers a non-streaming request with the exact body of the backend", async () => {
    // DashScope's qwq-* are stream-only; its hybrid models answer non-streaming requests.
    const model = name === "dashscope" ? "qwen-plus" : dialect.defaultModel;
    const res = await rawPost(url(), {
      model,
      messages: [{ role: "user", content: emuPrompt(SPEC) }],
    });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(stable(res.text)).toBe(JSON.stringify(WIRE[name]!.completion));
  });

  it("sends no usage chunk unless stream_options.include_usage", async () => {
    const res = await rawPost(url(), {
      stream: true,
      messages: [{ role: "user", content: emuPrompt(SPEC) }],
    });
    expect(res.text).not.toContain('"choices":[]');
    expect(res.text).not.toContain("prompt_tokens");
    expect(res.text.endsWith("data: [DONE]\n\n")).toBe(true);
  });

  it("lists its model on GET /models", async () => {
    const res = await fetch(`${emu.url}${dialect.prefix}/models`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; data: { id: string; object: string }[] };
    expect(body.object).toBe("list");
    expect(body.data[0]).toMatchObject({ object: "model" });
    expect(typeof body.data[0]!.id).toBe("string");
  });

  it("echoes the requested model name", async () => {
    const res = await rawPost(url(), {
      model: "qwq-alias",
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(res.text).toContain('"model":"qwq-alias"');
  });
});

describe("dashscope stream-only models", () => {
  it("rejects stream:false for qwq-* with the exact 400 and its trailing space", async () => {
    const res = await rawPost(`${emu.url}/dashscope/compatible-mode/v1/chat/completions`, {
      model: "qwq-32b",
      stream: false,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(res.status).toBe(400);
    expect(stable(res.text)).toBe(
      '{"error":{"code":"invalid_parameter_error","param":null,"message":"This model only support stream mode, please enable the stream parameter to access the model. ","type":"invalid_request_error"},"id":"ID","request_id":"RID"}',
    );
  });

  it("treats a missing stream flag as non-streaming", async () => {
    const res = await rawPost(`${emu.url}/dashscope/compatible-mode/v1/chat/completions`, {
      model: "qwq-plus",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain("only support stream mode");
  });
});
