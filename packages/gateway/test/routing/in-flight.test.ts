import { describe, expect, it, vi } from "vitest";
import { memoryInFlight } from "../../src/router/in-flight.js";
import { storeInFlight } from "../../src/router/store-in-flight.js";
import { createMemoryStore } from "../../src/store/memory.js";
import type { Store } from "../../src/store/types.js";
import { manualClock } from "./seeded-random.js";

describe("memoryInFlight", () => {
  it("admits up to the limit per backend; release is idempotent", async () => {
    const inFlight = memoryInFlight();
    const a = await inFlight.acquire("gpu", 2);
    const b = await inFlight.acquire("gpu", 2);
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    expect(await inFlight.acquire("gpu", 2)).toBeNull();
    expect(await inFlight.acquire("other", 2)).not.toBeNull();
    a!.release();
    a!.release();
    expect(inFlight.count("gpu")).toBe(1);
    expect(await inFlight.acquire("gpu", 2)).not.toBeNull();
    expect(await inFlight.acquire("gpu", 2)).toBeNull();
  });
});

describe("storeInFlight", () => {
  it("two gateway instances sharing a store share the count", async () => {
    const store = createMemoryStore();
    const one = storeInFlight(store);
    const two = storeInFlight(store);
    const a = await one.acquire("gpu", 2);
    const b = await two.acquire("gpu", 2);
    expect(a && b).toBeTruthy();
    expect(await one.acquire("gpu", 2)).toBeNull();
    expect(await two.acquire("gpu", 2)).toBeNull();
    b!.release();
    await vi.waitFor(async () => expect(await one.acquire("gpu", 2)).not.toBeNull(), {
      timeout: 10_000,
    });
    a!.release();
  });

  it("a slot left by a dead instance expires after its TTL", async () => {
    const clock = manualClock();
    const store = createMemoryStore({ now: clock.now });
    const dead = storeInFlight(store, { leaseTtlMs: 60_000 });
    const alive = storeInFlight(store, { leaseTtlMs: 60_000 });
    const slot = await dead.acquire("gpu", 1);
    expect(slot).not.toBeNull();
    expect(await alive.acquire("gpu", 1)).toBeNull();
    clock.advance(60_000);
    // Never released (its instance died): the lease ran out on its own.
    const taken = await alive.acquire("gpu", 1);
    expect(taken).not.toBeNull();
    taken!.release();
    slot!.release();
  });

  it("renews a long stream's lease so it is not lost mid-stream", async () => {
    vi.useFakeTimers();
    try {
      let now = 1_000_000;
      const store = createMemoryStore({ now: () => now });
      const inFlight = storeInFlight(store, { leaseTtlMs: 3_000 });
      const slot = await inFlight.acquire("gpu", 1);
      for (let i = 0; i < 5; i++) {
        now += 1_000;
        await vi.advanceTimersByTimeAsync(1_000);
      }
      // 5 s into a 3 s lease: still held, because it was renewed every second.
      expect(await inFlight.acquire("gpu", 1)).toBeNull();
      slot!.release();
      await vi.advanceTimersByTimeAsync(0);
      expect(await inFlight.acquire("gpu", 1)).not.toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it("lets the request through when the store is down, and says so", async () => {
    const errors: unknown[] = [];
    const broken = {
      acquireLease: () => Promise.reject(new Error("ECONNREFUSED")),
      releaseLease: () => Promise.reject(new Error("ECONNREFUSED")),
    } as unknown as Store;
    const inFlight = storeInFlight(broken, { onStoreError: (e) => errors.push(e) });
    const slot = await inFlight.acquire("gpu", 1);
    expect(slot).not.toBeNull();
    slot!.release();
    expect(errors).toHaveLength(1);
  });

  it("does not wait on a store that hangs: past its timeout the request goes ahead", async () => {
    const errors: unknown[] = [];
    const hanging = {
      acquireLease: () => new Promise(() => {}),
      releaseLease: () => Promise.resolve(),
    } as unknown as Store;
    const inFlight = storeInFlight(hanging, {
      storeTimeoutMs: 30,
      onStoreError: (e) => errors.push(e),
    });
    const slot = await inFlight.acquire("gpu", 1);
    expect(slot).not.toBeNull();
    expect(String(errors[0])).toContain("within 30 ms");
  });
});
