import { describe, expect, it, vi } from "vitest";
import { formatDuration } from "../../src/limits/headers.js";
import { createLimiter } from "../../src/limits/limiter.js";
import type { AdmitResult, Lease } from "../../src/limits/types.js";
import type { Limits, Principal, Store } from "../../src/store/types.js";
import { STORE_TYPES, useStores } from "./stores.js";

const stores = useStores();
let requestNo = 0;
const hour = 3_600_000;
/**
 * The lease TTL of the expiry and renewal tests: long enough that no pause of a loaded machine
 * between two store calls (or in the renewal timer, every TTL/2) outlasts it.
 */
const TTL_MS = 1000;

function principal(limits: Limits, tenant = "acme", keyId = "key_a"): Principal {
  return { keyId, tenant, limits };
}

function admitWith(limiter: ReturnType<typeof createLimiter>, p: Principal, estimatedTokens = 1) {
  return limiter.admit({ principal: p, estimatedTokens, requestId: `req_${requestNo++}` });
}

function leaseOf(result: AdmitResult): Lease {
  if (!result.ok) throw new Error(`expected admission, got ${result.limit}: ${result.message}`);
  return result.lease;
}

describe("formatDuration (OpenAI's reset header format)", () => {
  it.each([
    [20, "20ms"],
    [1000, "1s"],
    [59_120, "59.12s"],
    [360_000, "6m0s"],
    [3_723_000, "1h2m3s"],
  ])("%i ms → %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe.each(STORE_TYPES)("limiter on the %s store", (type) => {
  it("admits without limits and without headers when the key has none", async () => {
    const limiter = createLimiter({ store: await stores.make(type) });
    const lease = leaseOf(await admitWith(limiter, principal({})));
    expect(lease.headers).toEqual({});
    await lease.settle(null);
  });

  it("rpm: admits up to the limit, then refuses with headers and Retry-After", async () => {
    const limiter = createLimiter({ store: await stores.make(type) });
    const p = principal({ rpm: 3 });
    const leases = [];
    for (let i = 0; i < 3; i++) leases.push(leaseOf(await admitWith(limiter, p)));
    expect(leases.map((l) => l.headers["x-ratelimit-remaining-requests"])).toEqual(["2", "1", "0"]);
    expect(leases[0]!.headers["x-ratelimit-limit-requests"]).toBe("3");
    expect(leases[0]!.headers["x-ratelimit-reset-requests"]).toMatch(
      /^\d+(\.\d+)?m?s$|^\d+m[\d.]+s$/,
    );
    const refused = await admitWith(limiter, p);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.limit).toBe("rpm");
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(refused.headers["x-ratelimit-remaining-requests"]).toBe("0");
    expect(refused.message).toMatch(/requests per minute/);
  });

  it("tpm: reserves the estimate, refuses what does not fit, settles with real usage", async () => {
    const store = await stores.make(type);
    // An hour's window: exact counts, unless the test straddles the hour (a minute's window
    // moved the weighting whenever a run crossed a minute).
    const limiter = createLimiter({ store, windowMs: hour });
    const p = principal({ tpm: 1000 });
    const first = leaseOf(await admitWith(limiter, p, 500));
    expect(first.headers["x-ratelimit-remaining-tokens"]).toBe("500");
    expect(first.headers["x-ratelimit-limit-tokens"]).toBe("1000");
    const refused = await admitWith(limiter, p, 600);
    expect(refused.ok === false && refused.limit).toBe("tpm");
    // Real usage 150 (reasoning is part of completion): 350 of the reservation comes back.
    await first.settle({ promptTokens: 100, completionTokens: 50, reasoningTokens: 30 });
    const second = leaseOf(await admitWith(limiter, p, 850));
    expect(second.headers["x-ratelimit-remaining-tokens"]).toBe("0");
    // Usage above the estimate is charged too, whatever the window holds.
    await second.settle({ promptTokens: 900, completionTokens: 100, reasoningTokens: 0 });
    expect((await store.reserve("tpm:acme/key_a", 1000, hour, 1)).remaining).toBe(0);
  });

  it("tpm: an estimate above the whole limit reserves the limit", async () => {
    const limiter = createLimiter({ store: await stores.make(type) });
    const lease = leaseOf(await admitWith(limiter, principal({ tpm: 100 }), 5000));
    expect(lease.headers["x-ratelimit-remaining-tokens"]).toBe("0");
  });

  it("tpm: a reservation refunded after its window ended frees that window, not the next", async () => {
    const store = await stores.make(type);
    const windowMs = 1000;
    const limiter = createLimiter({ store, windowMs });
    const p = principal({ tpm: 1000 });
    const whole = leaseOf(await admitWith(limiter, p, 1000));
    const reset = (Math.floor(Date.now() / windowMs) + 1) * windowMs;
    await new Promise((r) => setTimeout(r, reset - Date.now() + 20));
    // Nothing used (say the client left before the upstream was called): all of it comes back.
    await whole.settle({ promptTokens: 0, completionTokens: 0, reasoningTokens: 0 });
    leaseOf(await admitWith(limiter, p, 1000));
    const over = await admitWith(limiter, p, 1);
    expect(over.ok === false && over.limit).toBe("tpm");
  });

  it("concurrency: leases up to the limit, released on settle, idempotently", async () => {
    const limiter = createLimiter({ store: await stores.make(type) });
    const p = principal({ concurrency: 2 });
    const a = leaseOf(await admitWith(limiter, p));
    leaseOf(await admitWith(limiter, p));
    const refused = await admitWith(limiter, p);
    expect(refused.ok === false && refused.limit).toBe("concurrency");
    expect(refused.ok === false && refused.retryAfterSeconds).toBe(1);
    await a.settle(null);
    await a.settle(null);
    leaseOf(await admitWith(limiter, p));
    expect((await admitWith(limiter, p)).ok).toBe(false);
  });

  it("concurrency: the lease of an instance that died expires on its own", async () => {
    const store = await stores.make(type);
    // The instance that dies: after admission it never reaches the store again (no settle, no
    // renewal), as when its process is killed.
    let dead = false;
    const doomed: Store = Object.fromEntries(
      Object.entries(store).map(([name, value]) => [
        name,
        typeof value === "function"
          ? (...args: unknown[]) =>
              dead ? Promise.reject(new Error("instance gone")) : value.apply(store, args)
          : value,
      ]),
    ) as unknown as Store;
    const dying = createLimiter({ store: doomed, leaseTtlMs: TTL_MS, onStoreDown: "closed" });
    const survivor = createLimiter({ store, leaseTtlMs: TTL_MS });
    const p = principal({ concurrency: 1 });
    leaseOf(await admitWith(dying, p));
    dead = true;
    expect((await admitWith(survivor, p)).ok).toBe(false);
    // Admitted once the dead lease's TTL has run out (refusals take nothing).
    await vi.waitFor(async () => leaseOf(await admitWith(survivor, p)), {
      timeout: 10 * TTL_MS,
      interval: TTL_MS / 10,
    });
  });

  it("concurrency: a running request's lease is renewed past its TTL until settled", async () => {
    const limiter = createLimiter({ store: await stores.make(type), leaseTtlMs: TTL_MS });
    const p = principal({ concurrency: 1 });
    const running = leaseOf(await admitWith(limiter, p));
    await new Promise((r) => setTimeout(r, 2 * TTL_MS));
    expect((await admitWith(limiter, p)).ok).toBe(false);
    await running.settle(null);
    leaseOf(await admitWith(limiter, p));
  });

  it("concurrency: a renewal that fails, or finds the lease gone, is logged", async () => {
    const store = await stores.make(type);
    let failing = false;
    const flaky: Store = {
      ...store,
      type: store.type,
      acquireLease: (...args) =>
        failing ? Promise.reject(new Error("store down")) : store.acquireLease(...args),
    };
    const logs: Array<Record<string, unknown>> = [];
    const limiter = createLimiter({ store: flaky, leaseTtlMs: 60, log: (l) => logs.push(l) });
    const running = leaseOf(await admitWith(limiter, principal({ concurrency: 1 })));
    failing = true;
    await vi.waitFor(() =>
      expect(logs.some((l) => /renewal failed/.test(String(l.msg)))).toBe(true),
    );
    // Meanwhile the lease expires and another request takes the only slot.
    await new Promise((r) => setTimeout(r, 80));
    await store.acquireLease("conc:acme/key_a", 1, "someone-else", 60_000);
    failing = false;
    await vi.waitFor(() => expect(logs.some((l) => /lease lost/.test(String(l.msg)))).toBe(true));
    await running.settle(null);
  });

  it("a rejected request never counts against any limit", async () => {
    const limiter = createLimiter({ store: await stores.make(type), windowMs: hour });
    const p = principal({ rpm: 2, tpm: 1000, concurrency: 1 });
    const a = leaseOf(await admitWith(limiter, p, 100));
    // Refused by concurrency: its rpm slot and its 300 tokens are given back.
    for (let i = 0; i < 5; i++) expect((await admitWith(limiter, p, 300)).ok).toBe(false);
    await a.settle({ promptTokens: 60, completionTokens: 40, reasoningTokens: 0 });
    const b = leaseOf(await admitWith(limiter, p, 900));
    expect(b.headers["x-ratelimit-remaining-requests"]).toBe("0");
    expect(b.headers["x-ratelimit-remaining-tokens"]).toBe("0");
    await b.settle(null);
    const c = await admitWith(limiter, p, 1);
    expect(c.ok === false && c.limit).toBe("rpm");
  });

  it("keys and tenants have separate limits", async () => {
    const limiter = createLimiter({ store: await stores.make(type) });
    leaseOf(await admitWith(limiter, principal({ rpm: 1 }, "acme", "key_a")));
    expect((await admitWith(limiter, principal({ rpm: 1 }, "acme", "key_a"))).ok).toBe(false);
    leaseOf(await admitWith(limiter, principal({ rpm: 1 }, "acme", "key_b")));
    leaseOf(await admitWith(limiter, principal({ rpm: 1 }, "globex", "key_a")));
  });

  it("a concurrent burst admits exactly the limit of each kind", async () => {
    const limiter = createLimiter({ store: await stores.make(type) });
    const burst = async (p: Principal, n: number, estimate = 1) =>
      (await Promise.all(Array.from({ length: n }, () => admitWith(limiter, p, estimate)))).filter(
        (r) => r.ok,
      ).length;
    expect(await burst(principal({ rpm: 10 }, "burst", "rpm"), 50)).toBe(10);
    expect(await burst(principal({ tpm: 1000 }, "burst", "tpm"), 40, 100)).toBe(10);
    expect(await burst(principal({ concurrency: 3 }, "burst", "conc"), 30)).toBe(3);
  });
});

describe.each(["redis", "upstash"] as const)("two gateway instances on one %s", (type) => {
  it("never let a key exceed its limits under a concurrent burst", async () => {
    const prefix = stores.newPrefix();
    const one = createLimiter({ store: await stores.make(type, prefix) });
    const two = createLimiter({ store: await stores.make(type, prefix) });
    const run = async (p: Principal, n: number, estimate = 1) => {
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) => admitWith(i % 2 ? one : two, p, estimate)),
      );
      return results.filter((r) => r.ok).length;
    };
    expect(await run(principal({ rpm: 10 }, "shared", "rpm"), 50)).toBe(10);
    expect(await run(principal({ tpm: 2000 }, "shared", "tpm"), 50, 150)).toBe(13);
    expect(await run(principal({ concurrency: 4 }, "shared", "conc"), 40)).toBe(4);
  });
});

describe("a store that stops answering", () => {
  it("is down after storeTimeoutMs: open admits without headers, closed answers 503", async () => {
    const real = await stores.make("memory");
    const hung: Store = { ...real, slidingWindow: () => new Promise(() => {}) };
    const lines: Array<Record<string, unknown>> = [];
    const open = createLimiter({ store: hung, storeTimeoutMs: 50, log: (l) => lines.push(l) });
    const p = principal({ rpm: 5, concurrency: 1 });
    const admitted = await admitWith(open, p);
    expect(admitted.ok && admitted.lease.headers).toEqual({});
    expect(lines[0]).toMatchObject({ level: "warn", msg: "limits fail open: store unavailable" });
    // The lease the healthy part took was given back: the next request is not refused for it.
    expect((await real.acquireLease("conc:acme/key_a", 1, "probe", 1000)).ok).toBe(true);

    const closed = createLimiter({ store: hung, storeTimeoutMs: 50, onStoreDown: "closed" });
    const error = await admitWith(closed, principal({ rpm: 5 }, "acme", "key_b")).catch(
      (e: unknown) => e,
    );
    expect((error as { status: number }).status).toBe(503);
    expect((error as { body: { code: string } }).body.code).toBe("store_unavailable");
  });
});
