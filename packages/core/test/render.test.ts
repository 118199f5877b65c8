// Renderers: every reasoning_format, the chunk protocol around them, and SSE framing out.
import { describe, expect, it } from "vitest";
import {
  ChunkRenderer,
  type ReasoningFormat,
  renderSSE,
  SSERenderer,
  type StreamEvent,
} from "../src/index.js";
import { collect } from "./support.js";

const events: StreamEvent[] = [
  { type: "start", id: "up-1", model: "Qwen/QwQ-32B", created: 100 },
  { type: "role", choice: 0, role: "assistant" },
  { type: "reasoning", choice: 0, text: "Think" },
  { type: "reasoning", choice: 0, text: "ing." },
  { type: "content", choice: 0, text: "Paris" },
  { type: "finish", choice: 0, reason: "stop" },
  { type: "usage", usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } },
  { type: "done" },
];

const deltas = (format: ReasoningFormat, evs = events) => {
  const r = new ChunkRenderer({ format });
  return evs
    .flatMap((e) => r.render(e))
    .map((c) => [c.choices[0]?.delta, c.choices[0]?.finish_reason]);
};

describe("ChunkRenderer", () => {
  it("reasoning_content: DashScope's shape", () => {
    expect(deltas("reasoning_content")).toEqual([
      [{ role: "assistant", content: "" }, null],
      [{ content: null, reasoning_content: "Think" }, null],
      [{ content: null, reasoning_content: "ing." }, null],
      [{ content: "Paris" }, null],
      [{}, "stop"],
    ]);
  });

  it("reasoning: vLLM >= 0.16 / OpenRouter shape", () => {
    expect(deltas("reasoning")).toEqual([
      [{ role: "assistant", content: "" }, null],
      [{ reasoning: "Think" }, null],
      [{ reasoning: "ing." }, null],
      [{ content: "Paris" }, null],
      [{}, "stop"],
    ]);
  });

  it("think_tags: one inline block, closed before the answer", () => {
    expect(deltas("think_tags")).toEqual([
      [{ role: "assistant", content: "" }, null],
      [{ content: "<think>\nThink" }, null],
      [{ content: "ing." }, null],
      [{ content: "\n</think>\n\nParis" }, null],
      [{}, "stop"],
    ]);
  });

  it("think_tags: a block still open at finish or before a tool call is closed", () => {
    const evs: StreamEvent[] = [
      { type: "role", choice: 0, role: "assistant" },
      { type: "reasoning", choice: 0, text: "r" },
      { type: "tool_call", choice: 0, index: 0, id: "call_1", name: "f", arguments: "{}" },
      { type: "role", choice: 1, role: "assistant" },
      { type: "reasoning", choice: 1, text: "s" },
      { type: "finish", choice: 1, reason: "length" },
    ];
    expect(deltas("think_tags", evs)).toEqual([
      [{ role: "assistant", content: "" }, null],
      [{ content: "<think>\nr" }, null],
      [
        {
          content: "\n</think>\n\n",
          tool_calls: [
            { index: 0, id: "call_1", type: "function", function: { name: "f", arguments: "{}" } },
          ],
        },
        null,
      ],
      [{ role: "assistant", content: "" }, null],
      [{ content: "<think>\ns" }, null],
      [{ content: "\n</think>\n\n" }, "length"],
    ]);
  });

  it("none: reasoning is dropped, nothing else changes", () => {
    expect(deltas("none")).toEqual([
      [{ role: "assistant", content: "" }, null],
      [{ content: "Paris" }, null],
      [{}, "stop"],
    ]);
  });

  it("tool-call fragments after the first carry only arguments", () => {
    const r = new ChunkRenderer({ format: "reasoning_content" });
    const [chunk] = r.render({ type: "tool_call", choice: 0, index: 0, arguments: "1}" });
    expect(chunk?.choices[0]?.delta).toEqual({
      tool_calls: [{ index: 0, function: { arguments: "1}" } }],
    });
  });

  it("identity comes from the start event, or from the options when given", () => {
    const fromStart = new ChunkRenderer({ format: "reasoning_content" });
    fromStart.render(events[0]!);
    expect(fromStart.render(events[1]!)[0]).toMatchObject({
      id: "up-1",
      object: "chat.completion.chunk",
      model: "Qwen/QwQ-32B",
      created: 100,
    });
    const renamed = new ChunkRenderer({
      format: "reasoning_content",
      id: "tg-1",
      model: "qwq-32b",
      created: 5,
    });
    renamed.render(events[0]!);
    expect(renamed.render(events[1]!)[0]).toMatchObject({
      id: "tg-1",
      model: "qwq-32b",
      created: 5,
    });
  });

  it("the usage-only chunk (choices []) only when the client asked", () => {
    const usage = events[6]!;
    expect(new ChunkRenderer({ format: "reasoning_content" }).render(usage)).toEqual([]);
    const [chunk] = new ChunkRenderer({ format: "reasoning_content", includeUsage: true }).render(
      usage,
    );
    expect(chunk).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    });
  });
});

async function sseOf(evs: StreamEvent[], format: ReasoningFormat = "reasoning_content") {
  const source = new ReadableStream<StreamEvent>({
    start(c) {
      for (const e of evs) c.enqueue(e);
      c.close();
    },
  });
  const decoder = new TextDecoder();
  const bytes = await collect(source.pipeThrough(renderSSE({ format })));
  return bytes.map((b) => decoder.decode(b, { stream: true })).join("") + decoder.decode();
}

describe("renderSSE", () => {
  it("writes data: lines with blank-line separators and ends with [DONE]", async () => {
    const text = await sseOf(events);
    const frames = text.split("\n\n");
    expect(frames.pop()).toBe("");
    expect(frames.at(-1)).toBe("data: [DONE]");
    for (const f of frames.slice(0, -1)) {
      expect(f.startsWith("data: ")).toBe(true);
      expect(JSON.parse(f.slice(6)).object).toBe("chat.completion.chunk");
    }
    expect(frames).toHaveLength(6);
  });

  it("an error ends the stream with the error object and no [DONE]", async () => {
    const error = {
      message: "Output data may contain inappropriate content.",
      type: "data_inspection_failed",
      param: null,
      code: "data_inspection_failed",
    };
    const text = await sseOf([
      ...events.slice(0, 5),
      { type: "error", error, status: 400 },
      { type: "content", choice: 0, text: "late" },
      { type: "done" },
    ]);
    expect(text.endsWith(`data: ${JSON.stringify({ error })}\n\n`)).toBe(true);
    expect(text).not.toContain("[DONE]");
    expect(text).not.toContain("late");
  });
});

describe("SSERenderer", () => {
  const formats: ReasoningFormat[] = ["reasoning_content", "reasoning", "think_tags", "none"];
  const mixed: StreamEvent[] = [
    { type: "start", id: 'id "quoted"', model: "qwq-32b", created: 1.5 },
    { type: "role", choice: 0, role: "assistant" },
    { type: "reasoning", choice: 0, text: "思考 \u2028 </script>" },
    { type: "tool_call", choice: 0, index: 0, id: "call_x", name: "f", arguments: '{"a":1}' },
    { type: "content", choice: 0, text: "answer" },
    { type: "finish", choice: 0, reason: "stop" },
    { type: "usage", usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } },
  ];
  for (const format of formats) {
    it(`${format}: writes exactly JSON.stringify of each chunk`, () => {
      for (const options of [
        { format },
        { format, id: "tg", model: "public", created: 3, includeUsage: true },
      ]) {
        const sse = new SSERenderer(options);
        const chunks = new ChunkRenderer(options);
        for (const ev of mixed) {
          const want = chunks
            .render(ev)
            .map((c) => `data: ${JSON.stringify(c)}\n\n`)
            .join("");
          expect(sse.render(ev)).toBe(want);
        }
      }
    });
  }
});
