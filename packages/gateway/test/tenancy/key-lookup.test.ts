import { describe, expect, it } from "vitest";
import { createMemoryStore } from "../../src/store/memory.js";
import type { KeyRecord, Store } from "../../src/store/types.js";
import { StoreUnavailableError } from "../../src/store/unavailable.js";
import { createKeyLookup } from "../../src/tenancy/key-lookup.js";

// The key cache in front of the store, on a fake clock and a store that can be switched off.

const record: KeyRecord = {
  id: "key_a",
  hash: "a".repeat(64),
  tenant: "acme",
  createdAt: 1,
  source: "store",
};

function switchable(): { store: Store; down: { now: boolean }; lookups: () => number } {
  const inner = createMemoryStore();
  const down = { now: false };
  let lookups = 0;
  const store: Store = Object.create(inner);
  store.getKey = async (hash) => {
    lookups++;
    if (down.now) throw new Error("ECONNREFUSED");
    return inner.getKey(hash);
  };
  void inner.putKey(record);
  return { store, down, lookups: () => lookups };
}

describe("key lookup", () => {
  it('"stale" serves a cached key during an outage only until maxStaleMs after the store last confirmed it', async () => {
    const { store, down } = switchable();
    const clock = { now: 1_000_000 };
    const lookup = createKeyLookup({
      store,
      cacheTtlMs: 10_000,
      onStoreDown: "stale",
      maxStaleMs: 60_000,
      now: () => clock.now,
    });
    expect((await lookup.find(record.hash))?.id).toBe("key_a");
    down.now = true;
    clock.now += 59_000;
    expect((await lookup.find(record.hash))?.id).toBe("key_a");
    clock.now += 2_000;
    await expect(lookup.find(record.hash)).rejects.toBeInstanceOf(StoreUnavailableError);
    // Confirmed again once the store is back: the bound starts over.
    down.now = false;
    expect((await lookup.find(record.hash))?.id).toBe("key_a");
    down.now = true;
    clock.now += 30_000;
    expect((await lookup.find(record.hash))?.id).toBe("key_a");
  });

  it("bounds staleness by default at ten times the cache TTL", async () => {
    const { store, down } = switchable();
    const clock = { now: 0 };
    const lookup = createKeyLookup({
      store,
      cacheTtlMs: 1_000,
      onStoreDown: "stale",
      now: () => clock.now,
    });
    await lookup.find(record.hash);
    down.now = true;
    clock.now = 10_000;
    expect((await lookup.find(record.hash))?.id).toBe("key_a");
    clock.now = 10_001;
    await expect(lookup.find(record.hash)).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it("keeps a key in use cached however many other keys pass through (least recently used out)", async () => {
    const { store, lookups } = switchable();
    const lookup = createKeyLookup({ store, maxCached: 100, now: () => 0 });
    const other = (i: number) => i.toString(16).padStart(64, "0");
    for (let i = 0; i < 1000; i++) await store.putKey({ ...record, id: `k${i}`, hash: other(i) });
    await lookup.find(record.hash);
    for (let i = 0; i < 1000; i++) {
      expect((await lookup.find(other(i)))?.id).toBe(`k${i}`);
      if (i % 10 === 0) await lookup.find(record.hash);
    }
    expect(lookups()).toBe(1001);
  });
});
