// The normalizer's own promises, beyond the vectors: minimal hold-back, stream ends,
// tolerance of odd input, per-choice state.
import { describe, expect, it } from "vitest";
import { Normalizer, type StreamEvent } from "../src/index.js";

const content = (text: string, finish: string | null = null, index = 0) => ({
  choices: [{ index, delta: { content: text }, finish_reason: finish }],
});
const texts = (events: StreamEvent[]) =>
  events.flatMap((e) =>
    e.type === "reasoning" || e.type === "content" ? [`${e.type[0]}:${e.text}`] : [],
  );

describe("hold-back is minimal: only what could still become a tag waits", () => {
  it("think-open reasoning flows at once; only a possible </think> is held", () => {
    const n = new Normalizer({ reasoning: "think-open" });
    expect(texts(n.push(content("abc")))).toEqual(["r:abc"]);
    expect(texts(n.push(content("x <")))).toEqual(["r:x "]);
    expect(texts(n.push(content(" y</th")))).toEqual(["r:< y"]);
    expect(texts(n.push(content("ick")))).toEqual(["r:</thick"]);
  });

  it("a newline in reasoning waits only to see whether </think> follows", () => {
    const n = new Normalizer({ reasoning: "think-open" });
    expect(texts(n.push(content("line\n")))).toEqual(["r:line"]);
    expect(texts(n.push(content("next")))).toEqual(["r:\nnext"]);
    expect(texts(n.push(content("\n</think>\n\nA")))).toEqual(["c:A"]);
  });

  it("answer text after </think> is never held, even when it looks like a tag", () => {
    const n = new Normalizer({ reasoning: "think-open" });
    n.push(content("r</think>\n\n"));
    expect(texts(n.push(content("a <")))).toEqual(["c:a <"]);
    expect(texts(n.push(content("</think")))).toEqual(["c:</think"]);
  });

  it("auto mode releases text as soon as it cannot open a think block", () => {
    const n = new Normalizer();
    expect(texts(n.push(content("\n<th")))).toEqual([]);
    expect(texts(n.push(content("e")))).toEqual(["c:\n<the"]);
    expect(texts(n.push(content("<think>")))).toEqual(["c:<think>"]);
  });

  it("Hermes extraction holds only a possible <tool_call> prefix", () => {
    const n = new Normalizer({ tools: true });
    expect(texts(n.push(content("Let me check <tool")))).toEqual(["c:Let me check "]);
    expect(texts(n.push(content("box>")))).toEqual(["c:<toolbox>"]);
  });
});

describe("reasoning fields", () => {
  const reasoningOf = (delta: Record<string, unknown>) =>
    texts(new Normalizer().push({ choices: [{ index: 0, delta }] }));

  it("the first non-empty field wins and equal copies count once", () => {
    expect(reasoningOf({ reasoning_content: "a", reasoning: "a" })).toEqual(["r:a"]);
    expect(reasoningOf({ reasoning_content: "", reasoning: "b" })).toEqual(["r:b"]);
    expect(reasoningOf({ reasoning_content: null, reasoning: null, thinking: "c" })).toEqual([
      "r:c",
    ]);
    expect(reasoningOf({ reasoning_content: { text: "d" } })).toEqual(["r:d"]);
    expect(
      reasoningOf({ reasoning: "e", reasoning_details: [{ type: "reasoning.text", text: "e" }] }),
    ).toEqual(["r:e"]);
  });

  it("reasoning_details text and summaries are read when no field has text; encrypted ones are not", () => {
    expect(
      reasoningOf({
        reasoning_details: [
          { type: "reasoning.summary", summary: "s" },
          { type: "reasoning.encrypted", data: "gAAA" },
          { type: "reasoning.text", text: "t" },
        ],
      }),
    ).toEqual(["r:st"]);
  });
});

describe("stream ends", () => {
  it("[DONE] flushes held text, then usage, then done; later input is ignored", () => {
    const n = new Normalizer({ reasoning: "think-open" });
    n.push({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 2 } });
    n.push(content("unfinished </thi"));
    const end = n.done();
    expect(end.map((e) => e.type)).toEqual(["reasoning", "usage", "done"]);
    expect(end[1]).toEqual({
      type: "usage",
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    });
    expect(n.push(content("more"))).toEqual([]);
    expect(n.end()).toEqual([]);
  });

  it("EOF without a finish reason or [DONE] is a stream_truncated error", () => {
    const n = new Normalizer();
    n.push(content("Hel"));
    const end = n.end();
    expect(end.at(-1)).toMatchObject({
      type: "error",
      status: 502,
      error: { type: "upstream_error", code: "stream_truncated" },
    });
  });

  it("an empty upstream body is a truncation too", () => {
    expect(new Normalizer().end()).toMatchObject([
      { type: "error", error: { code: "stream_truncated" } },
    ]);
  });

  it("with n > 1, one unfinished choice makes EOF a truncation", () => {
    const n = new Normalizer();
    n.push(content("a", "stop", 0));
    n.push(content("b", null, 1));
    expect(n.end().at(-1)?.type).toBe("error");
  });

  it("an error object ends the stream with an OpenAI error body, after held text", () => {
    const n = new Normalizer({ reasoning: "think-open" });
    n.push(content("thinking <"));
    const events = n.push({ error: { message: "overloaded", type: "server_error", code: "busy" } });
    expect(events).toEqual([
      { type: "reasoning", choice: 0, text: "<" },
      {
        type: "error",
        error: { message: "overloaded", type: "server_error", param: null, code: "busy" },
        fromUpstream: true,
      },
    ]);
    expect(n.end()).toEqual([]);
  });

  it("usage reported before a mid-stream error is still delivered, before the error", () => {
    const n = new Normalizer();
    n.push({
      choices: [{ index: 0, delta: { content: "a" } }],
      usage: { prompt_tokens: 2, completion_tokens: 1 },
    });
    expect(n.push({ error: { message: "x" } }).map((e) => e.type)).toEqual(["usage", "error"]);
  });

  it("an error without details still gets a message, type and code field", () => {
    const events = new Normalizer().push({ error: "plain string" });
    expect(events).toEqual([
      {
        type: "error",
        error: { message: "plain string", type: "upstream_error", param: null, code: null },
        fromUpstream: true,
      },
    ]);
  });
});

describe("identity and roles", () => {
  it("start comes once, first, from the first chunk; role once per choice", () => {
    const n = new Normalizer();
    const first = n.push({
      id: "x",
      model: "m",
      created: 7,
      choices: [{ index: 0, delta: { role: "assistant" } }],
    });
    const second = n.push({
      id: "y",
      model: "n",
      created: 8,
      choices: [{ index: 0, delta: { role: "assistant", content: "c" } }],
    });
    expect(first).toEqual([
      { type: "start", id: "x", model: "m", created: 7 },
      { type: "role", choice: 0, role: "assistant" },
    ]);
    expect(second).toEqual([{ type: "content", choice: 0, text: "c" }]);
  });

  it("a chunk without identity still starts the stream", () => {
    const [start] = new Normalizer().push({ choices: [] });
    expect(start).toMatchObject({ type: "start", id: "", model: "" });
    expect(start?.type === "start" && start.created > 1_700_000_000).toBe(true);
  });
});

describe("odd input never throws", () => {
  const odd: unknown[] = [
    null,
    undefined,
    "text",
    42,
    [],
    { choices: "no" },
    { choices: [{ index: -1, delta: { content: "neg" } }] },
    { choices: [{ index: 1.5, delta: null }] },
    {
      choices: [
        { delta: { content: { nested: true }, reasoning: 7, tool_calls: [null, { function: 3 }] } },
      ],
    },
    { choices: [{ index: 0, finish_reason: 12 }] },
    { usage: { prompt_tokens: "many", completion_tokens: -3, total_tokens: Number.NaN } },
  ];
  it("each odd chunk is ignored or read as far as it makes sense", () => {
    const n = new Normalizer({ tools: true });
    for (const chunk of odd) expect(() => n.push(chunk)).not.toThrow();
    expect(() => n.end()).not.toThrow();
  });

  it("usage numbers that are not counts become 0", () => {
    const n = new Normalizer();
    n.push({
      choices: [{ index: 0, delta: {}, finish_reason: "stop" }],
      usage: { prompt_tokens: "x", completion_tokens: 4 },
    });
    expect(n.done()).toContainEqual({
      type: "usage",
      usage: { prompt_tokens: 0, completion_tokens: 4, total_tokens: 4 },
    });
  });
});

describe("tool calls", () => {
  it("Hermes ids are unique call_ ids; a stop finish becomes tool_calls", () => {
    const n = new Normalizer({ tools: true });
    const call = (name: string) => `<tool_call>{"name":"${name}","arguments":{}}</tool_call>`;
    const events = [...n.push(content(call("a") + call("b"), "stop")), ...n.done()];
    const calls = events.filter((e) => e.type === "tool_call");
    expect(calls).toHaveLength(2);
    const ids = calls.map((c) => (c.type === "tool_call" ? c.id : ""));
    for (const id of ids) expect(id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    expect(new Set(ids).size).toBe(2);
    expect(calls.map((c) => c.type === "tool_call" && [c.index, c.name, c.arguments])).toEqual([
      [0, "a", "{}"],
      [1, "b", "{}"],
    ]);
    expect(events).toContainEqual({ type: "finish", choice: 0, reason: "tool_calls" });
  });

  it("a finish of length is kept even when a call was extracted", () => {
    const n = new Normalizer({ tools: true });
    const events = n.push(content('<tool_call>{"name":"f","arguments":{}}</tool_call>', "length"));
    expect(events.at(-1)).toEqual({ type: "finish", choice: 0, reason: "length" });
  });

  it('"parameters" is read where a template says it instead of "arguments"', () => {
    const n = new Normalizer({ tools: true });
    const events = n.push(
      content('<tool_call>{"name":"f","parameters":{"q":"x"}}</tool_call>', "stop"),
    );
    expect(events.find((e) => e.type === "tool_call")).toMatchObject({
      name: "f",
      arguments: '{"q":"x"}',
    });
  });

  it("JSON without a name is not a call", () => {
    const n = new Normalizer({ tools: true });
    const events = [...n.push(content('<tool_call>{"arguments":{}}</tool_call>', "stop"))];
    expect(texts(events)).toEqual(['c:<tool_call>{"arguments":{}}</tool_call>']);
  });
});

describe("bounded buffers", () => {
  it("an unclosed <tool_call> longer than any real call is released as content", async () => {
    const { MAX_TOOL_CALL_CHARS } = await import("../src/hermes-tool-calls.js");
    const n = new Normalizer({ tools: true });
    expect(texts(n.push(content("prose <tool_call> and then")))).toEqual(["c:prose "]);
    const long = "x".repeat(MAX_TOOL_CALL_CHARS);
    const released = texts(n.push(content(long)));
    expect(released).toEqual([`c:<tool_call> and then${long}`]);
    expect(texts(n.push(content("more")))).toEqual(["c:more"]);
  });
});

describe("SSENormalizer", () => {
  it("an endless event becomes an error event, and later bytes are ignored", async () => {
    const { MAX_EVENT_CHARS } = await import("../src/sse-decoder.js");
    const { SSENormalizer } = await import("../src/index.js");
    const sse = new SSENormalizer();
    const enc = new TextEncoder();
    const first = sse.feed(
      enc.encode('data: {"choices":[{"index":0,"delta":{"content":"A"}}]}\n\n'),
    );
    expect(texts(first)).toEqual(["c:A"]);
    const failed = sse.feed(enc.encode(`data: ${"x".repeat(MAX_EVENT_CHARS)}`));
    expect(failed.at(-1)).toMatchObject({
      type: "error",
      status: 502,
      error: { code: "event_too_large" },
    });
    expect(sse.ended).toBe(true);
    expect(sse.feed(enc.encode("data: [DONE]\n\n"))).toEqual([]);
    expect(sse.end()).toEqual([]);
  });

  it("reports progress for data it holds back, and none for keep-alives", async () => {
    const { SSENormalizer } = await import("../src/index.js");
    const sse = new SSENormalizer({ tools: true });
    const enc = new TextEncoder();
    const data = (content: string) =>
      enc.encode(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`);
    sse.feed(data('<tool_call>\n{"name": "f"'));
    expect(sse.dataEvents).toBe(1);
    expect(sse.textReceived).toBeGreaterThan(0);
    const held = sse.textReceived;
    // Held: no text event yet, but every data event is progress.
    expect(texts(sse.feed(data(', "arguments": {"a": 1}')))).toEqual([]);
    expect(sse.dataEvents).toBe(2);
    expect(sse.textReceived).toBeGreaterThan(held);
    sse.feed(enc.encode(": keep-alive\n\ndata:\n\n"));
    expect(sse.dataEvents).toBe(2);
  });

  it("marks an upstream's own error as such, and its own framing errors not", async () => {
    const { SSENormalizer } = await import("../src/index.js");
    const enc = new TextEncoder();
    const upstream = new SSENormalizer().feed(
      enc.encode('event: error\ndata: {"message":"x"}\n\n'),
    );
    expect(upstream.at(-1)).toMatchObject({ type: "error", fromUpstream: true });
    const ours = new SSENormalizer().feed(enc.encode("data: {not json\n\n"));
    expect(ours.at(-1)).toMatchObject({ type: "error", error: { code: "invalid_upstream_event" } });
    expect(ours.at(-1)).not.toHaveProperty("fromUpstream");
  });
});
