import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ModelConfig } from "../src/config/schema.js";
import { ApiError } from "../src/errors/api-error.js";
import { parseConfig } from "../src/index.js";
import { parseChatRequest } from "../src/pipeline/chat-request.js";
import { withModelDefaults } from "../src/router/model-defaults.js";
import { dashscope } from "../src/upstream/dashscope.js";
import { upstreamBody } from "../src/upstream/request-body.js";
import { buildUpstreams } from "../src/upstream/upstreams.js";

function upstreamsFor(backends: Record<string, unknown>) {
  return buildUpstreams(parseConfig({ backends, models: {} }, {}));
}

describe("dashscope adapter", () => {
  it("selects the base URL by region, or the explicit one", () => {
    const ups = upstreamsFor({
      intl: { type: "dashscope", apiKey: "k" },
      cn: { type: "dashscope", region: "mainland", apiKey: "k" },
      own: { type: "dashscope", baseUrl: "http://127.0.0.1:9/compatible-mode/v1/", apiKey: "k" },
    });
    expect(ups.get("intl")?.url).toBe(
      "https://dashscope-intl.aliyuncs.com/compatible-mode/v1/chat/completions",
    );
    expect(ups.get("cn")?.url).toBe(
      "https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions",
    );
    expect(ups.get("own")?.url).toBe("http://127.0.0.1:9/compatible-mode/v1/chat/completions");
    expect(ups.get("intl")?.headers.authorization).toBe("Bearer k");
  });

  it("never sends thinking switches or forced tools to QwQ, and adapts OpenAI-only params", () => {
    const input = {
      model: "qwq-32b",
      enable_thinking: true,
      thinking_budget: 100,
      tool_choice: { type: "function", function: { name: "f" } },
      max_completion_tokens: 50,
      messages: [
        { role: "developer", content: "be brief" },
        { role: "user", content: "hi" },
      ],
      top_k: 20,
    };
    const out = dashscope.transform!(input);
    expect(out).toEqual({
      model: "qwq-32b",
      max_completion_tokens: 50,
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "hi" },
      ],
      top_k: 20,
    });
    expect(input.enable_thinking).toBe(true); // pure: the input is untouched
  });

  it("keeps thinking switches for hybrid models and drops reasoning_effort next to a budget", () => {
    const out = dashscope.transform!({
      model: "qwen-plus",
      enable_thinking: true,
      thinking_budget: 64,
      reasoning_effort: "high",
      tool_choice: "auto",
    });
    expect(out).toEqual({
      model: "qwen-plus",
      enable_thinking: true,
      thinking_budget: 64,
      tool_choice: "auto",
    });
  });
});

describe("upstreamBody", () => {
  const ups = upstreamsFor({
    vllm: {
      type: "openai-compatible",
      baseUrl: "http://127.0.0.1:8000/v1",
      params: {
        rename: { max_completion_tokens: "max_tokens" },
        drop: ["user"],
        defaults: { top_k: 40 },
      },
    },
    plain: { type: "openai-compatible", baseUrl: "http://127.0.0.1:8000/v1" },
  });

  it("streams with usage, drops reasoning_format, passes unknown params through untouched", () => {
    const out = upstreamBody(
      {
        model: "qwq-32b",
        messages: [{ role: "user", content: "hi" }],
        stream: false,
        reasoning_format: "think_tags",
        chat_template_kwargs: { enable_thinking: false },
        min_p: 0,
        stream_options: { include_usage: false, other: 1 },
      },
      ups.get("plain")!,
      { model: "Qwen/QwQ-32B", historyReasoning: "strip" },
    );
    expect(out).toEqual({
      model: "Qwen/QwQ-32B",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      chat_template_kwargs: { enable_thinking: false },
      min_p: 0,
      stream_options: { include_usage: true, other: 1 },
    });
  });

  it("sends an OpenAI-compatible backend the output budget as max_tokens alone", () => {
    const out = upstreamBody(
      { model: "m", messages: [], max_completion_tokens: 9, max_tokens: 5_000 },
      ups.get("plain")!,
      { model: "m", historyReasoning: "strip" },
    );
    expect(out).toMatchObject({ max_tokens: 9 });
    expect(out).not.toHaveProperty("max_completion_tokens");
  });

  it("applies the backend's defaults, renames and drops", () => {
    const out = upstreamBody(
      { model: "m", messages: [], max_completion_tokens: 9, user: "u" },
      ups.get("vllm")!,
      {
        model: "m",
        historyReasoning: "strip",
      },
    );
    expect(out).toMatchObject({ max_tokens: 9, top_k: 40 });
    expect(out).not.toHaveProperty("max_completion_tokens");
    expect(out).not.toHaveProperty("user");
  });

  it("strips reasoning from assistant history unless told to keep it", () => {
    const messages = [
      { role: "user", content: "q1" },
      {
        role: "assistant",
        content: "<think>secret plan</think>\n\nA1",
        reasoning_content: "secret plan",
      },
      { role: "user", content: "q2" },
    ];
    const stripped = upstreamBody({ model: "m", messages }, ups.get("plain")!, {
      model: "m",
      historyReasoning: "strip",
    });
    const assistant = (stripped.messages as Array<Record<string, unknown>>)[1]!;
    expect(assistant.content).toBe("A1");
    expect(assistant).not.toHaveProperty("reasoning_content");
    const kept = upstreamBody({ model: "m", messages }, ups.get("plain")!, {
      model: "m",
      historyReasoning: "keep",
    });
    expect(kept.messages).toEqual(messages);
  });

  it("strips a request's history once, however many attempts and backends it is sent to", () => {
    const ups = upstreamsFor({
      plain: { type: "openai-compatible", baseUrl: "http://a.test/v1" },
      qwen: { type: "dashscope", apiKey: "k" },
    });
    const client = {
      model: "m",
      messages: [
        { role: "user", content: "q1" },
        { role: "assistant", content: `${"<think>".repeat(1000)}A1` },
        { role: "user", content: "q2" },
      ],
    };
    const send = (backend: string, historyReasoning: "strip" | "keep") =>
      upstreamBody(client, ups.get(backend)!, { model: "m", historyReasoning }).messages;
    const first = send("plain", "strip");
    // A retry, a failover to another backend, a continuation: the same stripped copy.
    expect(send("plain", "strip")).toBe(first);
    expect(send("qwen", "strip")).toBe(first);
    // A backend that keeps reasoning still gets the client's own history.
    expect(send("plain", "keep")).toBe(client.messages);
    // Another request is stripped afresh.
    expect(
      upstreamBody({ ...client, messages: [...client.messages] }, ups.get("plain")!, {
        model: "m",
        historyReasoning: "strip",
      }).messages,
    ).not.toBe(first);
  });
});

describe("the output budget each backend is sent", () => {
  const ups = upstreamsFor({
    dashscope: { type: "dashscope", apiKey: "k" },
    vllm: { type: "openai-compatible", baseUrl: "http://127.0.0.1:8000/v1" },
    // A backend that declares it wants OpenAI's newer name.
    renamed: {
      type: "openai-compatible",
      baseUrl: "http://127.0.0.1:8001/v1",
      params: { rename: { max_tokens: "max_completion_tokens" } },
    },
  });
  /** The one field each backend bounds generation by (upstream/*.ts). */
  const honoured = {
    dashscope: "max_completion_tokens",
    vllm: "max_tokens",
    renamed: "max_completion_tokens",
  };
  const ignored = { dashscope: "max_tokens", vllm: "max_completion_tokens", renamed: "max_tokens" };
  const tokens = fc.option(fc.integer({ min: 1, max: 2_000_000 }), { nil: undefined });

  it("is never more, times n, than the reservation leaves after the prompt, on any backend", () => {
    fc.assert(
      fc.property(
        fc.record({
          max_tokens: fc.oneof(tokens, fc.constant(null)),
          max_completion_tokens: fc.oneof(tokens, fc.constant(null)),
          n: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
          best_of: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
          content: fc.string({ maxLength: 200, unit: "binary" }),
        }),
        fc.record({
          maxTokens: fc.option(fc.integer({ min: 1, max: 200_000 }), { nil: undefined }),
          defaultMaxTokens: fc.option(fc.integer({ min: 1, max: 200_000 }), { nil: undefined }),
          maxN: fc.integer({ min: 1, max: 8 }),
        }),
        fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: undefined }),
        fc.constantFrom("dashscope", "vllm", "renamed") as fc.Arbitrary<keyof typeof honoured>,
        (client, settings, tpm, backend) => {
          const { content, ...fields } = client;
          const body = { model: "m", messages: [{ role: "user", content }], ...fields };
          const model = { defaults: {}, ...settings } as unknown as ModelConfig;
          let request: ReturnType<typeof withModelDefaults>;
          try {
            request = withModelDefaults(parseChatRequest(body), model, tpm);
          } catch (err) {
            // Refused with a 400 (n above the cap, a prompt beyond the tpm): never admitted.
            expect(err).toBeInstanceOf(ApiError);
            expect((err as ApiError).status).toBe(400);
            return;
          }
          // What the limiter reserves (limits/limiter.ts): the estimate, at most the limit.
          const reserved =
            tpm === undefined ? request.estimatedTokens : Math.min(request.estimatedTokens, tpm);
          const sent = upstreamBody(request.body, ups.get(backend)!, {
            model: "m",
            historyReasoning: "strip",
          });
          const budget = sent[honoured[backend]];
          expect(typeof budget).toBe("number");
          expect(sent).not.toHaveProperty(ignored[backend]);
          const choices = Math.max(Number(sent.n ?? 1), Number(sent.best_of ?? 1));
          expect((budget as number) * choices).toBeLessThanOrEqual(reserved - request.promptTokens);
        },
      ),
      { numRuns: 300 },
    );
  }, 60_000);

  it("a request asking more choices than the model allows is a 400 naming the field", () => {
    const model = { defaults: {}, maxN: 1 } as unknown as ModelConfig;
    const request = parseChatRequest({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      n: 4,
    });
    expect(() => withModelDefaults(request, model)).toThrow(/n: at most 1/);
    const bestOf = parseChatRequest({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      best_of: 2,
    });
    expect(() => withModelDefaults(bestOf, model)).toThrow(/best_of: at most 1/);
  });

  it("a key's tpm bounds the budget, and a prompt that can never fit is a 400", () => {
    const model = { defaults: {}, maxN: 1 } as unknown as ModelConfig;
    const request = parseChatRequest({ model: "m", messages: [{ role: "user", content: "hi" }] });
    const fitted = withModelDefaults(request, model, 1_000);
    expect(fitted.estimatedTokens).toBe(1_000);
    expect(fitted.body.max_completion_tokens).toBe(1_000 - request.promptTokens);
    const long = parseChatRequest({
      model: "m",
      messages: [{ role: "user", content: "字".repeat(2_000) }],
    });
    expect(() => withModelDefaults(long, model, 1_000)).toThrow(/tokens per minute/);
  });
});
