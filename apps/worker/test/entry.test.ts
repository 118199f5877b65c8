import { afterEach, describe, expect, it, vi } from "vitest";
import { gatewayFor } from "../src/gateway.js";
import worker from "../src/index.js";

// The entry's own logic (config from bindings, once per isolate, clear failures) in plain Node:
// it uses Web APIs only. worker.test.ts runs the same code in workerd.

const ctx = { waitUntil: () => {}, passThroughOnException: () => {} };

function config(extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    backends: { gpu: { type: "openai-compatible", baseUrl: "http://127.0.0.1:9/v1" } },
    models: { "qwq-32b": { targets: [{ backend: "gpu", model: "Qwen/QwQ-32B" }] } },
    ...extra,
  });
}

async function misconfiguredBecause(env: Record<string, unknown>): Promise<string> {
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  const res = await worker.fetch(new Request("http://gw/healthz"), env, ctx);
  expect(res.status).toBe(500);
  const body = (await res.json()) as { error: { code: string; type: string; message: string } };
  expect(body.error.code).toBe("gateway_misconfigured");
  expect(body.error.type).toBe("server_error");
  // The reason is for the operator's logs, never for the client.
  const lines = warn.mock.calls.map((call) => JSON.parse(String(call[0])) as { reason?: string });
  const reason = lines.find((line) => line.reason)?.reason ?? "";
  expect(body.error.message).not.toContain(reason);
  return reason;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the Worker entry", () => {
  it("says THINKGATE_CONFIG is missing", async () => {
    expect(await misconfiguredBecause({})).toMatch(/THINKGATE_CONFIG is not set/);
  });

  it("says THINKGATE_CONFIG is not JSON", async () => {
    expect(await misconfiguredBecause({ THINKGATE_CONFIG: "{ backends:" })).toMatch(
      /THINKGATE_CONFIG is not valid JSON/,
    );
  });

  it("names a reference to a binding that does not exist", async () => {
    const source = config({
      store: { type: "upstash", url: "https://u.example", token: "$" + "{UPSTASH_TOKEN}" },
    });
    expect(await misconfiguredBecause({ THINKGATE_CONFIG: source })).toMatch(
      /store\.token: expected environment variable UPSTASH_TOKEN to be set/,
    );
  });

  it("refuses the TCP redis store, which Workers cannot reach, and points at upstash", async () => {
    const source = config({ store: { type: "redis", url: "redis://127.0.0.1:6379" } });
    expect(await misconfiguredBecause({ THINKGATE_CONFIG: source })).toMatch(
      /"redis".*use "upstash"/,
    );
  });

  it("refuses server.auth none: a Worker is public", async () => {
    const source = config({ server: { auth: "none" } });
    expect(await misconfiguredBecause({ THINKGATE_CONFIG: source })).toMatch(
      /server\.auth.*needs keys/,
    );
  });

  it("fails the scheduled run while the config is broken, and passes once it is fixed", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    await expect(worker.scheduled({}, { THINKGATE_CONFIG: "nope" })).rejects.toThrow(
      /not valid JSON/,
    );
    await expect(worker.scheduled({}, { THINKGATE_CONFIG: config() })).resolves.toBeUndefined();
  });

  it("builds the gateway once per config, and again when the config changes", async () => {
    const env = { THINKGATE_CONFIG: config() };
    const first = gatewayFor(env);
    expect(gatewayFor({ ...env })).toBe(first);
    const changed = gatewayFor({
      THINKGATE_CONFIG: config({ keys: [{ key: "tg-changed-key", tenant: "t" }] }),
    });
    expect(changed).not.toBe(first);
    expect((await changed).ok).toBe(true);
  });

  it("serves requests once the config is valid, references filled from the other bindings", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const source = config({ keys: [{ key: "$" + "{GATEWAY_KEY}", tenant: "t" }] });
    const env = { THINKGATE_CONFIG: source, GATEWAY_KEY: "tg-key-from-a-secret" };
    const health = await worker.fetch(new Request("http://gw/healthz"), env, ctx);
    expect(health.status).toBe(200);
    const models = await worker.fetch(
      new Request("http://gw/v1/models", {
        headers: { authorization: "Bearer tg-key-from-a-secret" },
      }),
      env,
      ctx,
    );
    expect(models.status).toBe(200);
    const listed = (await models.json()) as { data: Array<{ id: string }> };
    expect(listed.data.map((m) => m.id)).toEqual(["qwq-32b"]);
  });
});
