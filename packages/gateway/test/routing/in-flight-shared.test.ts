import { describe, expect, it } from "vitest";
import type { InFlight } from "../../src/router/in-flight.js";
import { storeInFlight } from "../../src/router/store-in-flight.js";
import type { Store } from "../../src/store/types.js";
import { useStores } from "../tenancy/stores.js";

// Spillover's in-flight counts across gateway instances, on the real shared stores: a
// redis-server over TCP and the same server through the Upstash REST protocol.

const stores = useStores();
/**
 * A store call past its timeout lets the request through uncounted: far above any pause of a
 * loaded machine here. The TTL outlasts such pauses too, between two calls and in the renewal
 * timer (every TTL/3).
 */
const options = { storeTimeoutMs: 10_000, leaseTtlMs: 1000 };

/** Whether a slot on `backend` can be had right now (given straight back if so). */
async function hasRoom(inFlight: InFlight, backend: string, limit: number): Promise<boolean> {
  const slot = await inFlight.acquire(backend, limit);
  slot?.release();
  return slot !== null;
}

/** The store as an instance sees it that reaches it until killed, then never again. */
function killable(store: Store) {
  let reachable = true;
  const view = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) =>
        reachable ? value.apply(target, args) : Promise.reject(new Error("instance is dead"));
    },
  });
  return { view, kill: () => (reachable = false) };
}

describe.each(["redis", "upstash"] as const)("in-flight counts on the %s store", (type) => {
  it("two instances sharing the store share one limit; a release frees a place for either", async () => {
    const prefix = stores.newPrefix();
    const one = storeInFlight(await stores.make(type, prefix), options);
    const two = storeInFlight(await stores.make(type, prefix), options);
    const a = await one.acquire("gpu", 2);
    const b = await two.acquire("gpu", 2);
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    expect(await one.acquire("gpu", 2)).toBeNull();
    expect(await two.acquire("gpu", 2)).toBeNull();
    // Another backend has its own count.
    const other = await two.acquire("gpu-2", 1);
    expect(other).not.toBeNull();
    a!.release();
    await expect.poll(() => hasRoom(two, "gpu", 2)).toBe(true);
    b!.release();
    other!.release();
  });

  it("a slot whose instance died (never released, never renewed) expires with its lease", async () => {
    const prefix = stores.newPrefix();
    const dying = killable(await stores.make(type, prefix));
    const dead = storeInFlight(dying.view, options);
    const alive = storeInFlight(await stores.make(type, prefix), options);
    expect(await dead.acquire("gpu", 1)).not.toBeNull();
    dying.kill();
    expect(await hasRoom(alive, "gpu", 1)).toBe(false);
    await expect.poll(() => hasRoom(alive, "gpu", 1), { timeout: 10_000, interval: 50 }).toBe(true);
  });

  it("a live instance's long stream keeps its slot past the lease TTL", async () => {
    const prefix = stores.newPrefix();
    const one = storeInFlight(await stores.make(type, prefix), options);
    const two = storeInFlight(await stores.make(type, prefix), options);
    const slot = await one.acquire("gpu", 1);
    await new Promise((r) => setTimeout(r, 2 * options.leaseTtlMs));
    expect(await hasRoom(two, "gpu", 1)).toBe(false);
    slot!.release();
    await expect.poll(() => hasRoom(two, "gpu", 1)).toBe(true);
  });
});
