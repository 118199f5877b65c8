import { monitorEventLoopDelay } from "node:perf_hooks";
import { APIError } from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ask, type Harness, startHarness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness((emulatorUrl) => ({
    server: { host: "127.0.0.1", auth: "none", maxBodyBytes: 64 * 1024 },
    backends: {
      "emu-quick": {
        type: "openai-compatible",
        baseUrl: `${emulatorUrl}/vllm/v1`,
        firstByteTimeoutMs: 300,
        idleTimeoutMs: 300,
      },
      // Answers 404 for every path: a backend that does not serve what it was configured for.
      "emu-lost": { type: "openai-compatible", baseUrl: `${emulatorUrl}/no-such-backend/v1` },
      nowhere: {
        type: "openai-compatible",
        baseUrl: "http://127.0.0.1:9/v1",
        firstByteTimeoutMs: 1000,
      },
    },
    models: {
      quick: { targets: [{ backend: "emu-quick", model: "Qwen/QwQ-32B" }] },
      fallback: {
        targets: [
          { backend: "nowhere", model: "x" },
          { backend: "emu-lost", model: "x" },
          { backend: "emu-sglang", model: "Qwen/QwQ-32B" },
        ],
      },
    },
  }));
});
afterAll(() => h.close());

// Client, gateway and emulator share this process: however long a loaded machine holds up its
// event loop, the gateway's reaction to a client leaving may take that too.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
beforeAll(() => loopDelay.enable());
afterAll(() => loopDelay.disable());
/** "Within a second" of the client leaving, plus the longest hold-up of this process seen. */
const closeBudgetMs = () => 1000 + loopDelay.max / 1e6;

async function statusOf(pending: Promise<unknown>): Promise<APIError> {
  try {
    await pending;
  } catch (err) {
    expect(err).toBeInstanceOf(APIError);
    return err as APIError;
  }
  throw new Error("expected the request to fail");
}

/** The raw SSE text a client receives, for what the official client hides (e.g. [DONE]). */
async function rawStream(model: string, spec: Parameters<typeof ask>[0]): Promise<string> {
  const res = await fetch(`${h.server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, stream: true, messages: ask(spec) }),
  });
  expect(res.status).toBe(200);
  return res.text();
}

describe("upstream HTTP errors are mapped, not passed through", () => {
  it.each([
    [400, 400, "invalid_request_error"],
    [401, 502, "upstream_error"],
    [429, 429, "rate_limit_error"],
    [500, 502, "upstream_error"],
    [503, 503, "upstream_error"],
  ])("DashScope %i → %i", async (upstreamStatus, status, type) => {
    const err = await statusOf(
      h.client.chat.completions.create({
        model: "qwq-32b",
        messages: ask({ status: upstreamStatus, retryAfter: 7 }),
      }),
    );
    expect(err.status).toBe(status);
    expect(err.type).toBe(type);
    expect(err.message).not.toMatch(/https?:|sk-emulator/);
    expect(err.headers?.get("x-request-id")).toBeTruthy();
    if (status === 429) expect(err.headers?.get("retry-after")).toBe("7");
  });
});

describe("fallback before the first byte", () => {
  it("skips an unreachable backend and one that answers 404, and says who served", async () => {
    const { data, response } = await h.client.chat.completions
      .create({ model: "fallback", messages: ask() })
      .withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(response.headers.get("x-thinkgate-backend")).toBe("emu-sglang");
    const line = h.logs.find((l) => l.requestId === response.headers.get("x-request-id"));
    expect(line).toMatchObject({ attempts: 3, backend: "emu-sglang", status: 200 });
  });
});

describe("time limits", () => {
  it("answers 504 when the upstream sends no headers within firstByteTimeoutMs", async () => {
    const err = await statusOf(
      h.client.chat.completions.create({ model: "quick", messages: ask({ hang: "headers" }) }),
    );
    expect(err.status).toBe(504);
    expect(err.code).toBe("upstream_timeout");
  });

  it("answers 504 when the upstream sends headers but no event", async () => {
    const err = await statusOf(
      h.client.chat.completions.create({
        model: "quick",
        stream: true,
        messages: ask({ hang: 0 }),
      }),
    );
    expect(err.status).toBe(504);
  });

  it("ends a stalled stream with an in-band error, never [DONE]", async () => {
    const stream = await h.client.chat.completions.create({
      model: "quick",
      stream: true,
      messages: ask({ hang: 3 }),
    });
    let chunks = 0;
    const err = await statusOf(
      (async () => {
        for await (const _ of stream) chunks++;
      })(),
    );
    expect(chunks).toBeGreaterThan(0);
    expect(err.message).toMatch(/sent nothing for 300 ms/);
    const raw = await rawStream("quick", { hang: 3 });
    expect(raw).toMatch(/data: \{"error":\{[^\n]*"code":"upstream_idle_timeout"/);
    expect(raw).not.toContain("[DONE]");
  });

  it("aggregation reports a stalled upstream as 504", async () => {
    const err = await statusOf(
      h.client.chat.completions.create({ model: "quick", messages: ask({ hang: 3 }) }),
    );
    expect(err.status).toBe(504);
    expect(err.code).toBe("upstream_idle_timeout");
  });
});

describe("broken streams", () => {
  it.each(["dashscope", "vllm", "ollama"])(
    "%s: a cut connection ends in an error event, never [DONE]",
    async (dialect) => {
      const raw = await rawStream(`qwq-32b-${dialect}`, { cut: 4 });
      expect(raw).toMatch(/data: \{"error":/);
      expect(raw).not.toContain("[DONE]");
      const err = await statusOf(
        (async () => {
          const stream = await h.client.chat.completions.create({
            model: `qwq-32b-${dialect}`,
            stream: true,
            messages: ask({ cut: 4 }),
          });
          for await (const _ of stream) {
          }
        })(),
      );
      expect(err).toBeInstanceOf(APIError);
    },
  );

  it("passes an upstream's in-band error event on, without [DONE]", async () => {
    const raw = await rawStream("qwq-32b-dashscope", { errorEvent: 3 });
    expect(raw).toMatch(/data: \{"error":/);
    expect(raw).not.toContain("[DONE]");
  });
});

describe("client disconnects", () => {
  it("a streaming client that aborts closes the upstream connection within a second", async () => {
    const controller = new AbortController();
    const stream = await h.client.chat.completions.create(
      { model: "qwq-32b-vllm", stream: true, messages: ask({ chunks: 200, chunkDelayMs: 20 }) },
      { signal: controller.signal },
    );
    const upstream = h.emulator.requests.at(-1)!;
    let seen = 0;
    let abortedAt = 0;
    try {
      for await (const _ of stream) {
        if (++seen === 3) {
          abortedAt = Date.now();
          controller.abort();
        }
      }
    } catch {
      // the client's own abort
    }
    await upstream.done;
    expect(upstream.closedByClient).toBe(true);
    expect(upstream.closedAt! - abortedAt).toBeLessThan(closeBudgetMs());
    // The request's log line says so, with the tokens streamed until then.
    await vi.waitFor(() => {
      const line = h.logs.find((l) => l.model === "qwq-32b-vllm" && l.outcome === "aborted");
      expect(line).toMatchObject({ status: 200, usageEstimated: true });
      expect(line?.completionTokens).toBeGreaterThan(0);
    }, 10_000);
  });

  it("a non-streaming client that leaves closes the upstream too", async () => {
    const controller = new AbortController();
    const before = h.emulator.requests.length;
    const pending = h.client.chat.completions.create(
      { model: "qwq-32b-sglang", messages: ask({ chunks: 200, chunkDelayMs: 20 }) },
      { signal: controller.signal },
    );
    // Leaves once the upstream has the request (not after a delay, which a loaded machine can
    // outlast before the request even gets there).
    await vi.waitFor(() => expect(h.emulator.requests).toHaveLength(before + 1), 10_000);
    const upstream = h.emulator.requests.at(-1)!;
    const abortedAt = Date.now();
    controller.abort();
    await pending.catch(() => {});
    await upstream.done;
    expect(upstream.closedByClient).toBe(true);
    expect(upstream.closedAt! - abortedAt).toBeLessThan(closeBudgetMs());
  });
});

describe("request body limit", () => {
  it("answers 413 for a body over server.maxBodyBytes", async () => {
    const big = "x".repeat(70 * 1024);
    const err = await statusOf(
      h.client.chat.completions.create({
        model: "qwq-32b",
        messages: [{ role: "user", content: big }],
      }),
    );
    expect(err.status).toBe(413);
    expect(err.code).toBe("body_too_large");
  });

  it("answers 413 for a chunked body over the limit, without reading it all", async () => {
    const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent++;
        if (sent > 64) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${h.server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("body_too_large");
  });
});
