import { describe, expect, it, vi } from "vitest";
import { createStore } from "../../src/store/index.js";
import type { KeyRecord, UsageDelta } from "../../src/store/types.js";
import { STORE_TYPES, useStores } from "./stores.js";

const stores = useStores();

function record(over: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id: "key_1",
    hash: "a".repeat(64),
    tenant: "acme",
    createdAt: 1_700_000_000_000,
    source: "store",
    ...over,
  };
}

function delta(over: Partial<UsageDelta> = {}): UsageDelta {
  return {
    tenant: "acme",
    keyId: "key_1",
    day: "2026-11-25",
    requests: 1,
    promptTokens: 10,
    completionTokens: 20,
    reasoningTokens: 5,
    errors: 0,
    ...over,
  };
}

// One table of expectations for the sliding window, held by every store: memory reproduces
// @upstash/ratelimit's script, Redis and Upstash run it.
const windowCases: Array<{
  name: string;
  limit: number;
  costs: number[];
  success: boolean[];
  remaining: number[];
}> = [
  {
    name: "one unit at a time up to the limit",
    limit: 3,
    costs: [1, 1, 1, 1],
    success: [true, true, true, false],
    remaining: [2, 1, 0, 0],
  },
  {
    name: "a cost larger than the room is counted and reported as failed",
    limit: 100,
    costs: [60, 50],
    success: [true, false],
    remaining: [40, 0],
  },
  {
    name: "a full window counts nothing more",
    limit: 10,
    costs: [10, 5, 1],
    success: [true, false, false],
    remaining: [0, 0, 0],
  },
  {
    name: "a negative cost refunds",
    limit: 10,
    costs: [8, -5, 6],
    success: [true, true, true],
    remaining: [2, 7, 1],
  },
];

describe.each(STORE_TYPES)("%s store", (type) => {
  it("keeps key records by hash and by id, and lists them per tenant", async () => {
    const store = await stores.make(type);
    expect(await store.getKey("a".repeat(64))).toBeNull();
    await store.putKey(record({ limits: { rpm: 5 }, models: ["qwq-32b"] }));
    await store.putKey(record({ id: "key_2", hash: "b".repeat(64), tenant: "other" }));
    expect(await store.getKey("a".repeat(64))).toMatchObject({
      id: "key_1",
      tenant: "acme",
      limits: { rpm: 5 },
      models: ["qwq-32b"],
    });
    expect((await store.getKeyById("key_2"))?.hash).toBe("b".repeat(64));
    expect(await store.getKeyById("key_404")).toBeNull();
    expect((await store.listKeys()).map((r) => r.id).sort()).toEqual(["key_1", "key_2"]);
    expect((await store.listKeys("other")).map((r) => r.id)).toEqual(["key_2"]);
    await store.putKey(record({ revokedAt: 5 }));
    expect((await store.getKey("a".repeat(64)))?.revokedAt).toBe(5);
  });

  it("adds usage per tenant and key per day, and reads a range", async () => {
    const store = await stores.make(type);
    await store.addUsage([
      delta(),
      delta({ keyId: "key_2", promptTokens: 1, completionTokens: 2, reasoningTokens: 0 }),
      delta({ errors: 1, promptTokens: 0, completionTokens: 0, reasoningTokens: 0 }),
      delta({ day: "2026-11-26" }),
      delta({ tenant: "other", promptTokens: 1000 }),
    ]);
    const days = await store.readUsage("acme", "2026-11-24", "2026-11-26");
    expect(days.map((d) => d.day)).toEqual(["2026-11-25", "2026-11-26"]);
    expect(days[0]!.totals).toEqual({
      requests: 3,
      promptTokens: 11,
      completionTokens: 22,
      reasoningTokens: 5,
      errors: 1,
    });
    expect(days[0]!.keys.key_2).toEqual({
      requests: 1,
      promptTokens: 1,
      completionTokens: 2,
      reasoningTokens: 0,
      errors: 0,
    });
    expect(days[0]!.keys.key_1?.requests).toBe(2);
    expect(await store.readUsage("nobody", "2026-11-24", "2026-11-26")).toEqual([]);
  });

  it.each(windowCases)("sliding window: $name", async ({ limit, costs, success, remaining }) => {
    const store = await stores.make(type);
    const results = [];
    for (const cost of costs) results.push(await store.slidingWindow("id", limit, 60_000, cost));
    expect(results.map((r) => r.success)).toEqual(success);
    expect(results.map((r) => r.remaining)).toEqual(remaining);
    expect(results.every((r) => r.limit === limit && r.reset > Date.now())).toBe(true);
  });

  it("reserve() counts a cost only when it fits entirely, on the same counters", async () => {
    const store = await stores.make(type);
    expect(await store.reserve("r", 100, 60_000, 60)).toMatchObject({
      success: true,
      remaining: 40,
    });
    expect(await store.reserve("r", 100, 60_000, 50)).toMatchObject({
      success: false,
      remaining: 40,
    });
    expect(await store.reserve("r", 100, 60_000, 40)).toMatchObject({
      success: true,
      remaining: 0,
    });
    await store.charge("r", 60_000, -30);
    expect(await store.reserve("r", 100, 60_000, 31)).toMatchObject({
      success: false,
      remaining: 30,
    });
    // The library's window reads what reserve() wrote.
    expect(await store.slidingWindow("r", 100, 60_000, 1)).toMatchObject({
      success: true,
      remaining: 29,
    });
  });

  it("charge() adds to the window whatever the limit, and refunds", async () => {
    const store = await stores.make(type);
    await store.slidingWindow("c", 10, 60_000, 4);
    await store.charge("c", 60_000, 20);
    expect((await store.slidingWindow("c", 10, 60_000, 1)).success).toBe(false);
    await store.charge("c", 60_000, -20);
    expect(await store.slidingWindow("c", 10, 60_000, 1)).toMatchObject({
      success: true,
      remaining: 5,
    });
  });

  it("charge() refunds into the reservation's own window, never the next one", async () => {
    const store = await stores.make(type);
    const windowMs = 1000;
    const full = await store.reserve("b", 100, windowMs, 100);
    expect(full.success).toBe(true);
    // Into the next window, then refund the whole reservation where it was counted.
    await new Promise((r) => setTimeout(r, full.reset - Date.now() + 20));
    await store.charge("b", windowMs, -100, full.window);
    // Tokens admitted in the new window stay within the limit: the refund reopened the old
    // window's room once, not the new window's on top of what the old one still weighs.
    expect((await store.reserve("b", 100, windowMs, 100)).success).toBe(true);
    expect((await store.reserve("b", 100, windowMs, 1)).success).toBe(false);
  });

  it("charge() into a window older than the previous one charges nothing", async () => {
    const store = await stores.make(type);
    const windowMs = 60_000;
    const current = Math.floor(Date.now() / windowMs);
    await store.charge("old", windowMs, -50, current - 2);
    expect((await store.reserve("old", 10, windowMs, 11)).success).toBe(false);
    expect((await store.reserve("old", 10, windowMs, 10)).window).toBe(current);
  });

  it("leases: up to the limit, released, re-entrant, and expiring on their own", async () => {
    const store = await stores.make(type);
    expect((await store.acquireLease("l", 2, "a", 60_000)).ok).toBe(true);
    expect((await store.acquireLease("l", 2, "b", 60_000)).ok).toBe(true);
    const full = await store.acquireLease("l", 2, "c", 60_000);
    expect(full).toMatchObject({ ok: false, active: 2 });
    expect(full.retryAfterMs).toBeGreaterThan(50_000);
    expect((await store.acquireLease("l", 2, "a", 60_000)).ok).toBe(true);
    await store.releaseLease("l", "a");
    expect((await store.acquireLease("l", 2, "c", 60_000)).ok).toBe(true);
    // A lease whose instance died: it expires by itself. Its TTL outlasts any pause of a loaded
    // machine between the next two calls; its expiry is waited for.
    expect((await store.acquireLease("short", 1, "dead", 1000)).ok).toBe(true);
    expect((await store.acquireLease("short", 1, "next", 60_000)).ok).toBe(false);
    await vi.waitFor(
      async () => expect((await store.acquireLease("short", 1, "next", 60_000)).ok).toBe(true),
      { timeout: 10_000, interval: 100 },
    );
  });
});

describe("createStore", () => {
  it("builds each type from the config's store section, the redis one loaded lazily", async () => {
    const made = [
      await createStore({ type: "memory" }),
      await createStore({ type: "redis", url: stores.redis.url }, { prefix: stores.newPrefix() }),
      await createStore(
        { type: "upstash", url: stores.upstash.url, token: "tenancy-test-token" },
        { prefix: stores.newPrefix() },
      ),
    ];
    expect(made.map((s) => s.type)).toEqual(["memory", "redis", "upstash"]);
    for (const store of made) {
      await store.putKey({
        id: "key_f",
        hash: "d".repeat(64),
        tenant: "x",
        createdAt: 1,
        source: "store",
      });
      expect((await store.getKeyById("key_f"))?.tenant).toBe("x");
      await store.close();
    }
  });
});
