import { emuPrompt } from "@thinkgate/emulator";
import { APIError } from "openai";
import { describe, expect, it } from "vitest";
import { faultPlan } from "./fault-plan.js";
import { backendsOn, seen, startGateway, useEmulator } from "./gateway-harness.js";
import { refusedPort } from "./ports.js";

// Failover before the first event, through createApp, the emulator's fault modes and the
// official client: what the client gets, who served, what was tried, and what reached whom.

const emu = useEmulator();

const localThenCloud = {
  "qwq-32b": {
    strategy: "fallback" as const,
    targets: [
      { backend: "gpu-a", model: "Qwen/QwQ-32B" },
      { backend: "cloud", model: "qwq-32b" },
    ],
  },
};
const ask = { model: "qwq-32b", messages: [{ role: "user" as const, content: emuPrompt({}) }] };

function gatewayWith(plan: Parameters<typeof faultPlan>[0], extra = {}) {
  const fetch = faultPlan(
    Object.fromEntries(
      Object.entries(plan).map(([dialect, spec]) => [`${emu.url}/${dialect}/`, spec]),
    ),
  );
  return {
    gw: startGateway({ backends: backendsOn(emu.url, extra), models: localThenCloud }, { fetch }),
    fetch,
  };
}

describe("failover before the first event", () => {
  it("a refused connection: the next target serves; headers and log line say what happened", async () => {
    const port = await refusedPort();
    const gw = startGateway({
      backends: backendsOn(emu.url, { "gpu-a": { baseUrl: `http://127.0.0.1:${port}/v1` } }),
      models: localThenCloud,
    });
    const { data, response } = await gw.client().chat.completions.create(ask).withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(response.headers.get("x-thinkgate-backend")).toBe("cloud");
    expect(response.headers.get("x-thinkgate-attempts")).toBe("2");
    const line = await gw.line(response.headers.get("x-request-id"));
    expect(line).toMatchObject({ backend: "cloud", attempts: 2, status: 200 });
    expect(line.attemptLog).toEqual([
      {
        backend: "gpu-a",
        outcome: "failed",
        status: 502,
        code: "upstream_unreachable",
        ms: expect.any(Number),
      },
      { backend: "cloud", outcome: "served", ms: expect.any(Number) },
    ]);
  });

  it.each([
    ["HTTP 500", { status: 500 }, "upstream_error"],
    ["HTTP 503", { status: 503 }, "upstream_unavailable"],
    ["a 429", { status: 429, retryAfter: 30 }, "upstream_rate_limited"],
    ["a 200 whose stream opens with an error event", { errorEvent: 0 }, "upstream_stream_error"],
    ["a connection cut before its first event", { cut: 0 }, "upstream_unreachable"],
    ["a 200 cut after its role chunk, before any text", { cut: 1 }, "upstream_stream_error"],
  ])(
    "%s from the GPU box: the cloud serves and the client never sees it",
    async (_, spec, code) => {
      const { gw } = gatewayWith({ vllm: () => spec });
      const before = emu.emulator.requests.length;
      const stream = await gw
        .client()
        .chat.completions.create({ ...ask, stream: true })
        .withResponse();
      let content = "";
      for await (const chunk of stream.data) content += chunk.choices[0]?.delta.content ?? "";
      expect(content).toBe("The answer is 42. Voilà ✓");
      expect(stream.response.headers.get("x-thinkgate-backend")).toBe("cloud");
      expect(seen(emu.emulator, "vllm", before)).toHaveLength(1);
      expect(seen(emu.emulator, "dashscope", before)).toHaveLength(1);
      const line = await gw.line(stream.response.headers.get("x-request-id"));
      expect(line.attemptLog).toMatchObject([
        { backend: "gpu-a", outcome: "failed", code },
        { backend: "cloud", outcome: "served" },
      ]);
    },
  );

  it("a GPU box that hangs before its headers: given up at firstByteTimeoutMs, then the cloud", async () => {
    const { gw } = gatewayWith(
      { vllm: () => ({ hang: "headers" }) },
      { "gpu-a": { firstByteTimeoutMs: 150 } },
    );
    const before = emu.emulator.requests.length;
    const { response } = await gw.client().chat.completions.create(ask).withResponse();
    expect(response.headers.get("x-thinkgate-backend")).toBe("cloud");
    const [hung] = seen(emu.emulator, "vllm", before);
    // The gateway hung up on it rather than leave the connection open.
    await hung!.done;
    expect(hung!.closedByClient).toBe(true);
    const line = await gw.line(response.headers.get("x-request-id"));
    expect(line.attemptLog).toMatchObject([
      { backend: "gpu-a", outcome: "failed", status: 504, code: "upstream_timeout" },
      { backend: "cloud", outcome: "served" },
    ]);
  });

  it("headers, then keep-alives but no event until the timeout: that is a first-byte failure too", async () => {
    const { gw } = gatewayWith(
      { vllm: () => ({ hang: 0, keepAlive: true }) },
      { "gpu-a": { firstByteTimeoutMs: 150 } },
    );
    const { response } = await gw.client().chat.completions.create(ask).withResponse();
    expect(response.headers.get("x-thinkgate-backend")).toBe("cloud");
  });

  it("honours a short Retry-After: waits it out, then the same backend serves", async () => {
    const gw = startGateway(
      {
        backends: backendsOn(emu.url),
        models: { solo: { targets: [{ backend: "gpu-a", model: "Qwen/QwQ-32B" }] } },
      },
      {
        fetch: faultPlan({
          [`${emu.url}/vllm/`]: (n) => (n === 0 ? { status: 429, retryAfter: 1 } : undefined),
        }),
      },
    );
    const before = emu.emulator.requests.length;
    const started = Date.now();
    const { response } = await gw
      .client()
      .chat.completions.create({ ...ask, model: "solo" })
      .withResponse();
    const reqs = seen(emu.emulator, "vllm", before);
    expect(reqs).toHaveLength(2);
    // The retry went out no sooner than the Retry-After allowed.
    const firstClosed = reqs[0]!.closedAt!;
    expect(firstClosed).toBeGreaterThanOrEqual(started);
    const line = await gw.line(response.headers.get("x-request-id"));
    expect(line.attemptLog).toMatchObject([
      { backend: "gpu-a", outcome: "failed", status: 429 },
      { backend: "gpu-a", outcome: "skipped", code: "retry_after" },
      { backend: "gpu-a", outcome: "served" },
    ]);
    expect(Date.now() - firstClosed).toBeGreaterThanOrEqual(950);
  });

  it("a long Retry-After goes back to the client as 429 with it, at once", async () => {
    const gw = startGateway(
      {
        backends: backendsOn(emu.url),
        models: { solo: { targets: [{ backend: "gpu-a", model: "Qwen/QwQ-32B" }] } },
      },
      { fetch: faultPlan({ [`${emu.url}/vllm/`]: () => ({ status: 429, retryAfter: 20 }) }) },
    );
    const err = await gw
      .client()
      .chat.completions.create({ ...ask, model: "solo" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(429);
    expect((err as APIError).headers?.get("retry-after")).toBe("20");
  });

  it("every target failing: 503 naming what was tried, in OpenAI's shape", async () => {
    const { gw } = gatewayWith({
      vllm: () => ({ status: 500 }),
      dashscope: () => ({ status: 502 }),
    });
    const err = (await gw
      .client()
      .chat.completions.create(ask)
      .catch((e: unknown) => e)) as APIError;
    expect(err).toBeInstanceOf(APIError);
    expect(err.status).toBe(503);
    expect(err.code).toBe("no_backend_available");
    expect(err.message).toContain("gpu-a");
    expect(err.message).toContain("cloud");
    expect(err.message).not.toMatch(/127\.0\.0\.1|http/);
    expect(err.headers?.get("x-thinkgate-attempts")).toBe("3");
  });

  it("a 400 (the request itself is bad) is not retried elsewhere", async () => {
    const { gw } = gatewayWith({ vllm: () => ({ status: 400 }) });
    const before = emu.emulator.requests.length;
    const err = (await gw
      .client()
      .chat.completions.create(ask)
      .catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(400);
    expect(seen(emu.emulator, "dashscope", before)).toHaveLength(0);
  });
});

describe("after the first byte reached the client", () => {
  it("a cut mid-stream is never retried: the stream ends with an error event, not [DONE]", async () => {
    const { gw } = gatewayWith({ vllm: () => ({ cut: 4 }) });
    const before = emu.emulator.requests.length;
    const res = await gw.post({ ...ask, stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-thinkgate-backend")).toBe("gpu-a");
    const text = await res.text();
    expect(text).toContain('"reasoning_content"');
    expect(text).toContain('data: {"error"');
    expect(text).toContain("stream_truncated");
    expect(text).not.toContain("[DONE]");
    expect(seen(emu.emulator, "dashscope", before)).toHaveLength(0);
    const line = await gw.line(res.headers.get("x-request-id"));
    expect(line).toMatchObject({ attempts: 1, outcome: "error", errorCode: "stream_truncated" });
  });

  it("an in-band error mid-stream is passed on, not retried", async () => {
    const { gw } = gatewayWith({ vllm: () => ({ errorEvent: 3 }) });
    const before = emu.emulator.requests.length;
    const stream = await gw.client().chat.completions.create({ ...ask, stream: true });
    const err = await (async () => {
      for await (const _ of stream) {
        // read on until the error
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect(seen(emu.emulator, "dashscope", before)).toHaveLength(0);
  });
});

describe("a client that leaves during failover", () => {
  it("while the gateway holds for the first event: the upstream is closed, nothing else is tried", async () => {
    const { gw } = gatewayWith(
      { vllm: () => ({ hang: 0 }) },
      { "gpu-a": { firstByteTimeoutMs: 5_000 } },
    );
    const before = emu.emulator.requests.length;
    const controller = new AbortController();
    const pending = gw.app.request("/v1/chat/completions", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: "Bearer tg-routing-anyone-0001",
      },
      body: JSON.stringify(ask),
      signal: controller.signal,
    });
    await expect.poll(() => seen(emu.emulator, "vllm", before).length).toBe(1);
    controller.abort();
    const res = await pending;
    expect(res.status).toBe(499);
    const [held] = seen(emu.emulator, "vllm", before);
    await held!.done;
    expect(held!.closedByClient).toBe(true);
    expect(seen(emu.emulator, "dashscope", before)).toHaveLength(0);
  });

  it("while waiting out a Retry-After: no retry goes out afterwards", async () => {
    const gw = startGateway(
      {
        backends: backendsOn(emu.url),
        models: { solo: { targets: [{ backend: "gpu-a", model: "Qwen/QwQ-32B" }] } },
      },
      { fetch: faultPlan({ [`${emu.url}/vllm/`]: () => ({ status: 429, retryAfter: 1 }) }) },
    );
    const before = emu.emulator.requests.length;
    const controller = new AbortController();
    const pending = gw.app.request("/v1/chat/completions", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: "Bearer tg-routing-anyone-0001",
      },
      body: JSON.stringify({ ...ask, model: "solo" }),
      signal: controller.signal,
    });
    await expect.poll(() => seen(emu.emulator, "vllm", before).length).toBe(1);
    controller.abort();
    expect((await pending).status).toBe(499);
    await new Promise((r) => setTimeout(r, 1_300));
    expect(seen(emu.emulator, "vllm", before)).toHaveLength(1);
  });
});
