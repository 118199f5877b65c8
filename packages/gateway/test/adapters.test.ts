import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/index.js";
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
      max_tokens: 50,
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
