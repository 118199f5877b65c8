import { describe, expect, it } from "vitest";
import { createLimiter } from "../../src/limits/limiter.js";
import { createTenancy } from "../../src/tenancy/index.js";
import { useStores } from "./stores.js";

// Store round trips on the request path, counted at the Upstash REST server (each HTTP request
// to it is one round trip, whatever it carries).

const stores = useStores();

describe("round trips to Upstash per request", () => {
  it("admitting with rpm, tpm and concurrency is one round trip; settling is one more", async () => {
    const limiter = createLimiter({ store: await stores.make("upstash") });
    const principal = {
      keyId: "k",
      tenant: "t",
      limits: { rpm: 100, tpm: 100_000, concurrency: 10 },
    };
    // The first call loads the scripts into Redis (EVALSHA misses, then EVAL).
    const warm = await limiter.admit({ principal, estimatedTokens: 10, requestId: "warm" });
    if (warm.ok)
      await warm.lease.settle({ promptTokens: 1, completionTokens: 1, reasoningTokens: 0 });

    const before = { ...stores.upstash.stats };
    const admitted = await limiter.admit({ principal, estimatedTokens: 500, requestId: "r1" });
    expect(admitted.ok).toBe(true);
    expect(stores.upstash.stats.requests - before.requests).toBe(1);
    expect(stores.upstash.stats.commands - before.commands).toBe(3);

    const mid = stores.upstash.stats.requests;
    if (admitted.ok) {
      await admitted.lease.settle({ promptTokens: 100, completionTokens: 50, reasoningTokens: 20 });
    }
    expect(stores.upstash.stats.requests - mid).toBe(1);
  });

  it("a store key found once is served from the cache: no round trip to authenticate", async () => {
    const t = await createTenancy({ store: await stores.make("upstash"), log: () => {} });
    await t.store.putKey({
      id: "key_x",
      hash: "c".repeat(64),
      tenant: "t",
      createdAt: 1,
      source: "store",
    });
    expect((await t.findKey("c".repeat(64)))?.id).toBe("key_x");
    const before = stores.upstash.stats.requests;
    for (let i = 0; i < 5; i++) expect((await t.findKey("c".repeat(64)))?.id).toBe("key_x");
    expect(stores.upstash.stats.requests).toBe(before);
    t.usage.close();
  });
});
