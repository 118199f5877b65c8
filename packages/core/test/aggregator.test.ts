// Aggregation: the events of one streamed completion folded into the non-streaming answer.
import { describe, expect, it } from "vitest";
import { Aggregator, type RenderOptions, type StreamEvent } from "../src/index.js";
import { normalizePieces } from "./support.js";

const encoder = new TextEncoder();
const fold = (events: StreamEvent[], options: RenderOptions) => {
  const a = new Aggregator(options);
  for (const e of events) a.push(e);
  return a.result();
};

const thought: StreamEvent[] = [
  { type: "start", id: "chatcmpl-1", model: "Qwen/QwQ-32B", created: 9 },
  { type: "role", choice: 0, role: "assistant" },
  { type: "reasoning", choice: 0, text: "Let me " },
  { type: "reasoning", choice: 0, text: "see." },
  { type: "content", choice: 0, text: "Par" },
  { type: "content", choice: 0, text: "is" },
  { type: "finish", choice: 0, reason: "stop" },
  { type: "usage", usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 } },
  { type: "done" },
];

describe("Aggregator", () => {
  it("reasoning_content: DashScope's non-streaming message", () => {
    expect(fold(thought, { format: "reasoning_content" })).toEqual({
      ok: true,
      completion: {
        id: "chatcmpl-1",
        object: "chat.completion",
        created: 9,
        model: "Qwen/QwQ-32B",
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: "Paris", reasoning_content: "Let me see." },
            finish_reason: "stop",
            logprobs: null,
          },
        ],
        usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
      },
    });
  });

  it("each format puts reasoning where that format reads it", () => {
    const message = (format: RenderOptions["format"]) => {
      const r = fold(thought, { format });
      return r.ok ? r.completion.choices[0]?.message : null;
    };
    expect(message("reasoning")).toEqual({
      role: "assistant",
      content: "Paris",
      reasoning: "Let me see.",
    });
    expect(message("think_tags")).toEqual({
      role: "assistant",
      content: "<think>\nLet me see.\n</think>\n\nParis",
    });
    expect(message("none")).toEqual({ role: "assistant", content: "Paris" });
  });

  it("identity overrides win (the gateway's public model name)", () => {
    const r = fold(thought, { format: "none", id: "tg-1", model: "qwq-32b", created: 1 });
    expect(r.ok && [r.completion.id, r.completion.model, r.completion.created]).toEqual([
      "tg-1",
      "qwq-32b",
      1,
    ]);
  });

  it("tool calls are assembled from fragments; content null when there is none", () => {
    const r = fold(
      [
        { type: "role", choice: 0, role: "assistant" },
        { type: "tool_call", choice: 0, index: 1, id: "call_b", name: "g", arguments: "" },
        { type: "tool_call", choice: 0, index: 0, id: "call_a", name: "f", arguments: '{"a":' },
        { type: "tool_call", choice: 0, index: 0, arguments: "1}" },
        { type: "tool_call", choice: 0, index: 1, arguments: "{}" },
        { type: "finish", choice: 0, reason: "tool_calls" },
        { type: "done" },
      ],
      { format: "reasoning_content" },
    );
    expect(r.ok && r.completion.choices[0]).toEqual({
      index: 0,
      message: {
        role: "assistant",
        content: null,
        reasoning_content: null,
        tool_calls: [
          { id: "call_a", type: "function", function: { name: "f", arguments: '{"a":1}' } },
          { id: "call_b", type: "function", function: { name: "g", arguments: "{}" } },
        ],
      },
      finish_reason: "tool_calls",
      logprobs: null,
    });
  });

  it("n > 1 choices come out in index order", () => {
    const r = fold(
      [
        { type: "role", choice: 1, role: "assistant" },
        { type: "content", choice: 1, text: "b" },
        { type: "role", choice: 0, role: "assistant" },
        { type: "content", choice: 0, text: "a" },
        { type: "done" },
      ],
      { format: "none" },
    );
    expect(r.ok && r.completion.choices.map((c) => [c.index, c.message.content])).toEqual([
      [0, "a"],
      [1, "b"],
    ]);
  });

  it("an error makes the result the error, with its status", () => {
    const error = {
      message: "boom",
      type: "upstream_error",
      param: null,
      code: "stream_truncated",
    };
    expect(
      fold([...thought.slice(0, 5), { type: "error", error, status: 502 }], { format: "none" }),
    ).toEqual({
      ok: false,
      error,
      status: 502,
    });
  });

  it("vector 20: an unterminated think-open answer stays reasoning", () => {
    const sse =
      'data: {"choices":[{"index":0,"delta":{"content":"Just an answer"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n';
    const events = normalizePieces([encoder.encode(sse)], { reasoning: "think-open" });
    const r = fold(events, { format: "reasoning_content" });
    expect(r.ok && r.completion.choices[0]?.message).toEqual({
      role: "assistant",
      content: null,
      reasoning_content: "Just an answer",
    });
  });
});
