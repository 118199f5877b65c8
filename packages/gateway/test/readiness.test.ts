import { type RedisServer, startRedisServer } from "@thinkgate/upstash-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, createTenancy, parseConfig } from "../src/index.js";
import { createRedisStore } from "../src/store/redis.js";
import type { Store } from "../src/store/types.js";

// GET /readyz against a real redis-server (stopped midway) and breakers tripped by real
// failed requests; /healthz stays 200 throughout.

let redis: RedisServer;
let store: Store;

beforeAll(async () => {
  redis = await startRedisServer();
  store = await createRedisStore({ url: redis.url, prefix: `readyz${process.pid}:` });
});
afterAll(async () => {
  await store?.close();
  await redis?.stop();
});

const config = parseConfig(
  {
    server: { auth: "none" },
    routing: { breaker: { failureThreshold: 1, cooldownMs: 600_000 }, retry: { maxAttempts: 1 } },
    backends: {
      up: { type: "openai-compatible", baseUrl: "http://up.test/v1" },
      down: { type: "openai-compatible", baseUrl: "http://down.test/v1" },
    },
    models: {
      both: {
        targets: [
          { backend: "down", model: "m" },
          { backend: "up", model: "m" },
        ],
      },
      "down-only": { targets: [{ backend: "down", model: "m" }] },
    },
  },
  {},
);

/** Nothing answers: every request fails to connect, as a dead backend does. */
const unreachable = (async () => {
  throw new TypeError("fetch failed: ECONNREFUSED");
}) as typeof fetch;

interface Readiness {
  status: string;
  store?: { type: string; ok: boolean; error?: string };
  models: Record<string, { ok: boolean; usable: string[]; open: string[] }>;
}

async function readyz(app: ReturnType<typeof createApp>) {
  const res = await app.request("/readyz");
  return { status: res.status, body: (await res.json()) as Readiness };
}

describe("GET /readyz", () => {
  it("is ready while the store answers and every model has a backend whose circuit is closed", async () => {
    const tenancy = await createTenancy({ store, log: () => {} });
    const app = createApp({ config, tenancy, fetch: unreachable });
    const { status, body } = await readyz(app);
    expect(status).toBe(200);
    expect(body).toEqual({
      status: "ready",
      store: { type: "redis", ok: true },
      models: {
        both: { ok: true, usable: ["down", "up"], open: [] },
        "down-only": { ok: true, usable: ["down"], open: [] },
      },
    });
  });

  it("names the model whose only backend's circuit opened, and stays live", async () => {
    const tenancy = await createTenancy({ store, log: () => {} });
    const app = createApp({ config, tenancy, fetch: unreachable });
    const failed = await app.request("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "down-only", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(failed.status).toBeGreaterThanOrEqual(500);
    const { status, body } = await readyz(app);
    expect(status).toBe(503);
    expect(body.status).toBe("not_ready");
    expect(body.models["down-only"]).toEqual({ ok: false, usable: [], open: ["down"] });
    // The other model still has a usable target.
    expect(body.models.both).toEqual({ ok: true, usable: ["up"], open: ["down"] });
    expect((await app.request("/healthz")).status).toBe(200);
  });

  it("says the store is not answering once redis-server is gone, and ready again once it is back", async () => {
    const tenancy = await createTenancy({ store, log: () => {} });
    const app = createApp({ config, tenancy, fetch: unreachable });
    await redis.stop();
    try {
      const { status, body } = await readyz(app);
      expect(status).toBe(503);
      expect(body.store?.ok).toBe(false);
      expect(body.store?.error).toMatch(/no answer within 1000 ms|the store call failed/);
      expect((await app.request("/healthz")).status).toBe(200);
    } finally {
      await redis.start();
    }
    // ioredis reconnects on its own; readiness follows.
    const deadline = Date.now() + 20_000;
    let last = await readyz(app);
    while (last.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      last = await readyz(app);
    }
    expect(last.status).toBe(200);
  }, 40_000);

  it("asks the store at most once a second, however often it is called (it needs no key)", async () => {
    let reads = 0;
    const counted: Store = Object.create(store);
    counted.getKeyById = (id) => {
      reads++;
      return store.getKeyById(id);
    };
    const tenancy = await createTenancy({ store: counted, log: () => {} });
    const app = createApp({ config, tenancy, fetch: unreachable });
    const answers = await Promise.all(Array.from({ length: 20 }, () => readyz(app)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(reads).toBe(1);
  });
});
