import { normalizeSSE, type StreamEvent } from "@thinkgate/core";
import { describe, expect, it } from "vitest";
import { holdFirstEvent } from "../../src/router/first-event.js";
import type { Connected } from "../../src/upstream/call.js";

const encoder = new TextEncoder();
const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

/** An upstream body as a connection: frames arrive one read at a time, then (maybe) it stalls. */
async function connection(frames: string[], options: { stall?: boolean } = {}) {
  let cancelled = false;
  let released = false;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const next = frames.shift();
        if (next !== undefined) controller.enqueue(encoder.encode(next));
        else if (!options.stall) controller.close();
        else return new Promise(() => {}); // a backend that goes quiet
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  const reader = body.getReader();
  const first = await reader.read();
  const conn: Connected = {
    ok: true,
    reader,
    first,
    release: () => {
      released = true;
    },
  };
  return { conn, state: () => ({ cancelled, released }) };
}

const options = {
  backend: "gpu",
  reasoning: "auto" as const,
  tools: false,
  timeoutMs: 200,
  firstByteTimeoutMs: 200,
  clientSignal: new AbortController().signal,
};

// What the pipeline makes of a held connection: the events parsed during the hold, then the
// same normalizer carrying on with the rest of the body.
async function eventsOf(conn: Connected): Promise<StreamEvent[]> {
  const primed = conn.primed;
  if (!primed) throw new Error("a held connection comes primed");
  const out = [...primed.events];
  if (primed.ended) return out;
  for (;;) {
    const r = await conn.reader.read();
    if (r.done) return [...out, ...primed.sse.end()];
    out.push(...primed.sse.feed(r.value));
  }
}

/** The whole body normalized in one go, for comparison. */
async function reference(frames: string[]): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  const reader = new Response(frames.join("")).body!.pipeThrough(normalizeSSE()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}

describe("holdFirstEvent", () => {
  it("passes on every byte once the first real event arrived (comments and role first)", async () => {
    const frames = [
      ": keep-alive\n\n",
      chunk({ role: "assistant" }),
      chunk({ reasoning_content: "Thinking" }),
      chunk({ content: "42" }, "stop"),
      "data: [DONE]\n\n",
    ];
    const { conn } = await connection([...frames]);
    const held = await holdFirstEvent(conn, options);
    expect(held.ok).toBe(true);
    if (!held.ok) return;
    const events = await eventsOf(held.conn);
    expect(events.filter((e) => e.type === "reasoning" || e.type === "content")).toEqual([
      { type: "reasoning", choice: 0, text: "Thinking" },
      { type: "content", choice: 0, text: "42" },
    ]);
    expect(events.at(-1)).toEqual({ type: "done" });
    // Every event exactly once: the hold parsed the first ones, nothing is parsed twice.
    expect(events).toEqual(await reference(frames));
  });

  it("a whole answer in one read, or ending right after it: parsed once, ended once", async () => {
    const frames = [
      chunk({ role: "assistant" }),
      chunk({ reasoning_content: "R" }),
      chunk({ content: "A" }, "stop"),
      "data: [DONE]\n\n",
    ];
    for (const reads of [
      [frames.join("")],
      [frames.slice(0, 2).join(""), frames.slice(2).join("")],
    ]) {
      const { conn } = await connection([...reads]);
      const held = await holdFirstEvent(conn, options);
      expect(held.ok).toBe(true);
      if (!held.ok) return;
      expect(await eventsOf(held.conn)).toEqual(await reference(frames));
    }
    // Cut after the first event, no [DONE]: the end of the body within the hold is recorded,
    // and the truncation comes out once.
    const { conn } = await connection([chunk({ role: "assistant" }) + chunk({ content: "A" })]);
    const held = await holdFirstEvent(conn, options);
    if (!held.ok) throw new Error("held");
    const events = await eventsOf(held.conn);
    expect(events.filter((e) => e.type === "error")).toHaveLength(1);
    expect(events.at(-1)?.type).toBe("error");
  });

  it("finds the first event across tiny reads (a character split between them), and loses no byte", async () => {
    const text = [
      chunk({ role: "assistant" }),
      chunk({ reasoning_content: "思考 — ok" }),
      chunk({ content: "Voilà ✓" }, "stop"),
      "data: [DONE]\n\n",
    ].join("");
    const bytes = encoder.encode(text);
    const pieces: string[] = [];
    // 3-byte reads: every multi-byte character is cut somewhere.
    const decoder = new TextDecoder("latin1");
    for (let i = 0; i < bytes.length; i += 3) pieces.push(decoder.decode(bytes.subarray(i, i + 3)));
    const raw = pieces.map((p) => Uint8Array.from(p, (ch) => ch.charCodeAt(0)));
    let i = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          const next = raw[i++];
          if (next) c.enqueue(next);
          else c.close();
        },
      },
      { highWaterMark: 0 },
    );
    const reader = body.getReader();
    const conn: Connected = { ok: true, reader, first: await reader.read(), release() {} };
    const held = await holdFirstEvent(conn, options);
    expect(held.ok).toBe(true);
    if (!held.ok) return;
    // Held only as far as the first event, not the whole stream.
    expect(i).toBeLessThan(raw.length);
    const events = await eventsOf(held.conn);
    expect(events.filter((e) => e.type === "reasoning" || e.type === "content")).toEqual([
      { type: "reasoning", choice: 0, text: "思考 — ok" },
      { type: "content", choice: 0, text: "Voilà ✓" },
    ]);
    expect(events).toEqual(await reference([text]));
  });

  it("a 200 whose stream opens with an error is a retryable failure; the upstream is closed", async () => {
    const { conn, state } = await connection([
      `data: ${JSON.stringify({ error: { message: "engine error", type: "InternalServerError", code: 500 } })}\n\n`,
    ]);
    const held = await holdFirstEvent(conn, options);
    expect(held).toMatchObject({ ok: false, retryable: true });
    if (held.ok) return;
    expect(held.error.status).toBe(502);
    expect(held.error.body.code).toBe("upstream_stream_error");
    expect(held.error.body.message).toContain("engine error");
    expect(state().released).toBe(true);
  });

  it("a stream that ends before any event is a failure", async () => {
    const { conn } = await connection([": keep-alive\n\n"]);
    const held = await holdFirstEvent(conn, options);
    expect(held).toMatchObject({ ok: false, retryable: true });
  });

  it("nothing but keep-alives until the timeout: a first-byte timeout, and the upstream is cancelled", async () => {
    const { conn, state } = await connection([": keep-alive\n\n", chunk({ role: "assistant" })], {
      stall: true,
    });
    const held = await holdFirstEvent(conn, { ...options, timeoutMs: 50 });
    expect(held).toMatchObject({ ok: false, retryable: true });
    if (held.ok) return;
    expect(held.error.status).toBe(504);
    expect(held.error.body.code).toBe("upstream_timeout");
    expect(state()).toEqual({ cancelled: true, released: true });
  });
});
