import { describe, expect, it, vi } from "vitest";
import { type StreamEnd, upstreamEvents } from "../../src/pipeline/upstream-events.js";
import type { Connected } from "../../src/upstream/call.js";

// A backstop under the client-signal fix (client-gone-early.test.ts): if a response stream is
// ever left unread by its server, the idle timeout still ends it (upstream cancelled, onEnd
// called once, so the lease is settled and the request logged), instead of waiting for a read
// that never comes.

function stalledUpstream() {
  let cancelled = false;
  const first = `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { reasoning_content: "hm" }, finish_reason: null }] })}\n\n`;
  const stream = new ReadableStream<Uint8Array>({
    pull: () => new Promise(() => {}), // says nothing more, ever
    cancel() {
      cancelled = true;
    },
  });
  const reader = stream.getReader();
  const conn: Connected = {
    ok: true,
    reader,
    first: { done: false, value: new TextEncoder().encode(first) },
    release() {},
  };
  return { conn, cancelled: () => cancelled };
}

describe("an upstream stream nobody reads", () => {
  it("is ended by the idle timeout: upstream cancelled, onEnd called once", async () => {
    const upstream = stalledUpstream();
    const ends: StreamEnd[] = [];
    const events = upstreamEvents(upstream.conn, {
      backend: "up",
      reasoning: "auto",
      tools: false,
      idleTimeoutMs: 40,
      maxStreamMs: 60_000,
      maxOutputChars: 4_000_000,
      promptTokens: 5,
      onFirstToken() {},
      onEnd: (end) => ends.push(end),
    });
    // Nobody reads: the timeout alone ends it (waited for, however late a loaded machine runs it).
    await vi.waitFor(() => expect(ends).toHaveLength(1), { timeout: 10_000 });
    expect(ends[0]).toMatchObject({ outcome: "error", error: { code: "upstream_idle_timeout" } });
    expect(upstream.cancelled()).toBe(true);

    // A reader that comes back late gets the error event, and nothing is ended twice.
    const seen: string[] = [];
    for (;;) {
      const batch = await events.next();
      if (batch === null) break;
      for (const ev of batch) seen.push(ev.type === "error" ? `error:${ev.error.code}` : ev.type);
    }
    expect(seen.at(-1)).toBe("error:upstream_idle_timeout");
    expect(ends).toHaveLength(1);
  });
});
