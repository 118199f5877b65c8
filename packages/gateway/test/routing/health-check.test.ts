import { type Emulator, startEmulator } from "@thinkgate/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/index.js";
import { CircuitBreakers } from "../../src/router/breaker.js";
import { checkBackends, startHealthChecks } from "../../src/router/health-check.js";
import { buildUpstreams } from "../../src/upstream/upstreams.js";
import { refusedPort } from "./ports.js";

let emulator: Emulator;
let deadUrl: string;
beforeAll(async () => {
  emulator = await startEmulator();
  deadUrl = `http://127.0.0.1:${await refusedPort()}/v1`;
});
afterAll(() => emulator.close());

function setup() {
  const config = parseConfig(
    {
      backends: {
        gpu: { type: "openai-compatible", baseUrl: `${emulator.url}/vllm/v1` },
        cloud: {
          type: "dashscope",
          baseUrl: `${emulator.url}/dashscope/compatible-mode/v1`,
          apiKey: "sk-x",
        },
        dead: { type: "openai-compatible", baseUrl: deadUrl },
        unused: { type: "openai-compatible", baseUrl: deadUrl },
      },
      models: {
        "qwq-32b": {
          targets: [
            { backend: "gpu", model: "Qwen/QwQ-32B" },
            { backend: "dead", model: "Qwen/QwQ-32B" },
            { backend: "cloud", model: "qwq-32b" },
          ],
        },
      },
    },
    {},
  );
  let now = 1_000_000;
  const breakers = new CircuitBreakers({ failureThreshold: 2, cooldownMs: 60_000, now: () => now });
  const options = {
    config,
    upstreams: buildUpstreams(config),
    breakers,
    fetch: globalThis.fetch,
    timeoutMs: 5_000,
  };
  return { options, breakers, advance: (ms: number) => (now += ms) };
}

describe("active health checks", () => {
  it("probe every backend in use with a streamed one-token request, and report each", async () => {
    const { options } = setup();
    const before = emulator.requests.length;
    const results = await checkBackends(options);
    expect(results.sort((a, b) => a.backend.localeCompare(b.backend))).toEqual([
      { backend: "cloud", ok: true },
      { backend: "dead", ok: false, code: "upstream_unreachable" },
      { backend: "gpu", ok: true },
    ]);
    const sent = emulator.requests.slice(before);
    expect(sent.map((r) => r.dialect).sort()).toEqual(["dashscope", "vllm"]);
    // Each in the field its backend honours (upstream/*.ts).
    for (const r of sent) {
      const budget = r.dialect === "dashscope" ? "max_completion_tokens" : "max_tokens";
      expect(r.body).toMatchObject({ stream: true, [budget]: 1 });
    }
    // The probe hangs up after the first event: no stream is left running.
    await Promise.all(sent.map((r) => r.done));
  });

  it("failed probes open a dead backend's circuit; a good probe closes it again", async () => {
    const { options, breakers } = setup();
    await checkBackends(options);
    await checkBackends(options);
    expect(breakers.state("dead")).toBe("open");
    expect(breakers.state("gpu")).toBe("closed");
    // The backend comes back (here: the dead name now points at the emulator).
    const revived = new Map(options.upstreams);
    const gpu = options.upstreams.get("gpu")!;
    revived.set("dead", { ...gpu, name: "dead" });
    await checkBackends({ ...options, upstreams: revived });
    expect(breakers.state("dead")).toBe("closed");
  });

  it("a timer runs rounds until stopped", async () => {
    const { options } = setup();
    const rounds: number[] = [];
    const stop = startHealthChecks({
      ...options,
      intervalMs: 20,
      onResult: (r) => rounds.push(r.length),
    });
    await expect.poll(() => rounds.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    stop();
    const seen = rounds.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(rounds.length).toBeLessThanOrEqual(seen + 1);
    expect(rounds[0]).toBe(3);
  });
});

describe("active health checks wired through createApp", () => {
  it("run on a timer while the signal lives: a dead backend's circuit opens before any user request", async () => {
    const { createApp } = await import("../../src/index.js");
    const config = parseConfig(
      {
        server: { auth: "none" },
        backends: {
          dead: { type: "openai-compatible", baseUrl: deadUrl },
          gpu: { type: "openai-compatible", baseUrl: `${emulator.url}/vllm/v1` },
        },
        models: {
          m: {
            targets: [
              { backend: "dead", model: "Qwen/QwQ-32B" },
              { backend: "gpu", model: "Qwen/QwQ-32B" },
            ],
          },
        },
        routing: { breaker: { failureThreshold: 2 }, healthCheck: { intervalMs: 20 } },
      },
      {},
    );
    const stop = new AbortController();
    const lines: Array<Record<string, unknown>> = [];
    const app = createApp({
      config,
      log: (l) => lines.push(l),
      routing: { healthChecks: stop.signal },
    });
    const before = emulator.requests.length;
    // Probes go out on their own (the gpu backend sees them)…
    await expect
      .poll(() => emulator.requests.length - before, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(2);
    stop.abort();
    // …so the first user request already passes the dead backend over.
    const res = await app.request("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(200);
    await expect.poll(() => lines.length).toBe(1);
    expect(lines[0]?.attemptLog).toMatchObject([
      { backend: "dead", outcome: "skipped", code: "circuit_open" },
      { backend: "gpu", outcome: "served" },
    ]);
    // Stopped: no more probes.
    const after = emulator.requests.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(emulator.requests.length).toBeLessThanOrEqual(after + 1);
  });
});
