import { describe, expect, it } from "vitest";
import { startGateway } from "./gateway-harness.js";

// A backend's maxStreamMs and maxOutputChars bound one answer however the upstream behaves:
// the stream is cut with an error event, the upstream request is cancelled, and the request
// settles with what was generated, as any other failed stream does.

const paceMs = 10;

const chunk = (delta: Record<string, unknown>) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;

/** An upstream that streams `text` every `paceMs`, forever, and records its cancellation. */
function endless(text: string) {
  const state = { cancelled: false, sent: 0 };
  const fetchFn = (async (_url: string, init?: RequestInit) => {
    const encoder = new TextEncoder();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = () => {
      state.cancelled = true;
      clearTimeout(timer);
    };
    init?.signal?.addEventListener("abort", stop);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const next = () => {
          if (state.cancelled) return;
          controller.enqueue(encoder.encode(chunk({ content: text })));
          state.sent++;
          timer = setTimeout(next, paceMs);
        };
        controller.enqueue(encoder.encode(chunk({ role: "assistant", content: "" })));
        next();
      },
      cancel: stop,
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  }) as unknown as typeof fetch;
  return { fetchFn, state };
}

function gateway(fetchFn: typeof fetch, limits: Record<string, number>) {
  return startGateway(
    {
      backends: {
        gpu: { type: "openai-compatible", baseUrl: "http://gpu.test/v1", ...limits },
      },
      models: { m: { targets: [{ backend: "gpu", model: "m" }] } },
    },
    { fetch: fetchFn },
  );
}

const ask = { model: "m", messages: [{ role: "user", content: "go on forever" }] };

describe("a backend's stream limits", () => {
  it("maxOutputChars cuts a streaming answer with an error event and cancels the upstream", async () => {
    const up = endless("0123456789");
    const gw = gateway(up.fetchFn, { maxOutputChars: 500 });
    const res = await gw.post({ ...ask, stream: true });
    const text = await res.text();
    expect(text).toContain('"code":"output_too_large"');
    expect(text).not.toContain("[DONE]");
    const delivered = [...text.matchAll(/"content":"(\d+)"/g)].reduce(
      (n, m) => n + m[1]!.length,
      0,
    );
    expect(delivered).toBeGreaterThanOrEqual(500);
    expect(delivered).toBeLessThanOrEqual(510);
    expect(up.state.cancelled).toBe(true);
    const line = await gw.line(res.headers.get("x-request-id"));
    // Settled like any failed stream: what was generated is counted.
    expect(line).toMatchObject({ outcome: "error", errorCode: "output_too_large" });
    expect(line.completionTokens).toBeGreaterThanOrEqual(125);
  });

  it("maxOutputChars bounds a non-streaming answer too: the aggregate never grows past it", async () => {
    const up = endless("x".repeat(1000));
    const gw = gateway(up.fetchFn, { maxOutputChars: 5_000 });
    const res = await gw.post(ask);
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("output_too_large");
    expect(up.state.cancelled).toBe(true);
    expect(up.state.sent).toBeLessThan(50);
  });

  it("maxStreamMs cuts a steadily streaming answer that runs too long", async () => {
    const up = endless("a");
    const gw = gateway(up.fetchFn, { maxStreamMs: 300, idleTimeoutMs: 60_000 });
    const started = performance.now();
    const res = await gw.post({ ...ask, stream: true });
    const text = await res.text();
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
    expect(text).toContain('"code":"stream_too_long"');
    expect(up.state.cancelled).toBe(true);
    const line = await gw.line(res.headers.get("x-request-id"));
    expect(line).toMatchObject({ outcome: "error", errorCode: "stream_too_long" });
  });
});
