// ChatStream's own rules, on hand-made event sources: read once, text views, final(), and the
// NDJSON round trip a server route and a browser use.
import { describe, expect, it } from "vitest";
import {
  APIUserAbortError,
  type ChatEvent,
  ChatStream,
  RateLimitError,
  ThinkgateError,
} from "../src/index.js";

const script: ChatEvent[] = [
  { type: "reasoning", delta: "Let me " },
  { type: "reasoning", delta: "think." },
  { type: "content", delta: "It is " },
  { type: "tool_call_delta", index: 0, id: "call_1", name: "f", argumentsDelta: '{"a":' },
  { type: "tool_call_delta", index: 0, argumentsDelta: "1}" },
  {
    type: "tool_call",
    index: 0,
    id: "call_1",
    name: "f",
    arguments: '{"a":1}',
    parsedArguments: { a: 1 },
  },
  { type: "content", delta: "42." },
  { type: "usage", usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } },
  { type: "done", finishReason: "tool_calls" },
];

async function* from(events: ChatEvent[], failure?: Error): AsyncGenerator<ChatEvent> {
  for (const ev of events) {
    await Promise.resolve();
    yield ev;
  }
  if (failure) throw failure;
}

const expected = {
  reasoning: "Let me think.",
  content: "It is 42.",
  toolCalls: [{ id: "call_1", type: "function", function: { name: "f", arguments: '{"a":1}' } }],
  usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
  finishReason: "tool_calls",
};

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

describe("ChatStream", () => {
  it("yields every event in order, then final() has the whole result", async () => {
    const stream = new ChatStream(from(script));
    expect(await collect(stream)).toEqual(script);
    expect(await stream.final()).toEqual(expected);
    expect(await stream.final()).toEqual(expected); // idempotent
  });

  it("final() alone reads the stream to its end", async () => {
    expect(await new ChatStream(from(script)).final()).toEqual(expected);
  });

  it(".reasoning then .content, one after the other (content is buffered meanwhile)", async () => {
    const stream = new ChatStream(from(script));
    const reasoning = stream.reasoning;
    const content = stream.content;
    expect(await collect(reasoning)).toEqual(["Let me ", "think."]);
    expect(await collect(content)).toEqual(["It is ", "42."]);
    expect((await stream.final()).toolCalls).toHaveLength(1);
  });

  it(".reasoning and .content can also be read at the same time", async () => {
    const stream = new ChatStream(from(script));
    const [reasoning, content] = await Promise.all([
      collect(stream.reasoning),
      collect(stream.content),
    ]);
    expect(reasoning.join("")).toBe("Let me think.");
    expect(content.join("")).toBe("It is 42.");
  });

  it("a second iteration is refused with a clear message", async () => {
    const stream = new ChatStream(from(script));
    await collect(stream);
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/already iterated.*read only once/);
  });

  it("iterating after taking .reasoning is refused, and vice versa", () => {
    const a = new ChatStream(from(script));
    void a.reasoning;
    expect(() => a[Symbol.asyncIterator]()).toThrow(/\.reasoning \/ \.content/);
    expect(() => a.reasoning).toThrow(/taken only once/);
    const b = new ChatStream(from(script));
    b[Symbol.asyncIterator]();
    expect(() => b.content).toThrow(/already iterated/);
    const c = new ChatStream(from(script));
    void c.final();
    expect(() => c.toReadableStream()).toThrow(/drained by \.final\(\)/);
  });

  it("a failure rejects the loop and final() with the same error", async () => {
    const failure = new RateLimitError("slow down", { status: 429 });
    const stream = new ChatStream(from(script.slice(0, 2), failure));
    await expect(collect(stream)).rejects.toBe(failure);
    await expect(stream.final()).rejects.toBe(failure);
  });

  it("a source that stops without a done event is reported as truncated", async () => {
    const stream = new ChatStream(from(script.slice(0, 3)));
    await expect(stream.final()).rejects.toMatchObject({ code: "stream_truncated" });
  });

  it("abort() ends a pending read at once, even if the source ignores the signal", async () => {
    async function* stuck(): AsyncGenerator<ChatEvent> {
      yield { type: "reasoning", delta: "a" };
      await new Promise(() => {}); // never resolves
    }
    const stream = new ChatStream(stuck());
    const pending = collect(stream);
    setTimeout(() => stream.abort(), 10);
    await expect(pending).rejects.toBeInstanceOf(APIUserAbortError);
  });

  it("round-trips through toReadableStream() / fromReadableStream()", async () => {
    const body = new ChatStream(from(script)).toReadableStream();
    // Re-chunk the bytes badly, as a network would.
    const bytes = new Uint8Array(await new Response(body).arrayBuffer());
    const pieces = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.slice(i, i + 7));
        controller.close();
      },
    });
    const rebuilt = ChatStream.fromReadableStream(pieces);
    expect(await collect(rebuilt)).toEqual(script);
    expect(await rebuilt.final()).toEqual(expected);
  });

  it("carries a failure across the NDJSON boundary", async () => {
    const failure = new RateLimitError("slow down", { status: 429, error: { code: "limit" } });
    const body = new ChatStream(from(script.slice(0, 2), failure)).toReadableStream();
    const rebuilt = ChatStream.fromReadableStream(body);
    const error = await rebuilt.final().catch((e) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ message: "slow down", status: 429, code: "limit" });
  });

  it("rejects garbage lines with a ThinkgateError", async () => {
    const body = new Response('{"type":"reasoning","delta":"x"}\nnot json\n').body!;
    const error = await ChatStream.fromReadableStream(body)
      .final()
      .catch((e) => e);
    expect(error).toBeInstanceOf(ThinkgateError);
    expect(error.code).toBe("invalid_event");
  });

  it("reads a long event line that arrives in many small reads in linear time", async () => {
    // One content event of n characters in 16-byte reads: each read used to split the whole
    // buffer again, quadratic in the line. CPU time, the fastest of three, 4x the line.
    const encoder = new TextEncoder();
    const cpuMs = () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1000;
    };
    const timeFor = async (n: number) => {
      const line = encoder.encode(
        `${JSON.stringify({ type: "content", delta: "x".repeat(n) })}\n${JSON.stringify({ type: "done", finishReason: "stop" })}\n`,
      );
      let best = Number.POSITIVE_INFINITY;
      for (let rep = 0; rep < 3; rep++) {
        // Read by read (pull), as a network body arrives: a queue filled up front is itself
        // slow to drain.
        let at = 0;
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (at >= line.length) {
              controller.close();
              return;
            }
            controller.enqueue(line.subarray(at, at + 16));
            at += 16;
          },
        });
        const started = cpuMs();
        const final = await ChatStream.fromReadableStream(body).final();
        best = Math.min(best, cpuMs() - started);
        expect(final.content).toHaveLength(n);
      }
      return best;
    };
    let ratio = Number.POSITIVE_INFINITY;
    for (let attempt = 0; attempt < 3 && ratio >= 8; attempt++) {
      ratio = (await timeFor(512 * 1024)) / (await timeFor(128 * 1024));
    }
    expect(ratio).toBeLessThan(8);
  }, 120_000);

  it("skips event types it does not know (a newer SDK on the other side)", async () => {
    const lines = `${JSON.stringify({ type: "future_thing", x: 1 })}\n${script.map((e) => JSON.stringify(e)).join("\n")}\n`;
    expect(await ChatStream.fromReadableStream(new Response(lines).body!).final()).toEqual(
      expected,
    );
  });

  it("cancelling the ReadableStream aborts the stream behind it", async () => {
    const controller = new AbortController();
    async function* slow(): AsyncGenerator<ChatEvent> {
      yield { type: "reasoning", delta: "a" };
      await new Promise((r) => setTimeout(r, 1000));
      yield { type: "done", finishReason: "stop" };
    }
    const stream = new ChatStream(slow(), controller);
    const reader = stream.toReadableStream().getReader();
    await reader.read();
    const pending = reader.read(); // a read in flight, waiting on the slow source
    await reader.cancel();
    expect(controller.signal.aborted).toBe(true);
    expect((await pending).done).toBe(true);
    await expect(stream.final()).rejects.toBeInstanceOf(APIUserAbortError);
  });
});
