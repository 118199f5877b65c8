import type {
  KeyRecord,
  LeaseResult,
  Reservation,
  Store,
  UsageDay,
  UsageDelta,
  WindowResult,
} from "./types.js";
import { addCounts, daysBetween, emptyCounts } from "./usage-counts.js";

// The embedded default: everything in this process. The sliding window is @upstash/ratelimit's
// algorithm (its Lua script, line by line in TypeScript) so memory and Redis stores give the same
// answers; test/tenancy/store-contract.test.ts holds both to one table of expectations.

interface Counter {
  value: number;
  expiresAt: number;
}

export interface MemoryStoreOptions {
  now?: () => number;
}

/** The memory store, and what tests may look at inside it. */
export interface MemoryStore extends Store {
  /** Rate-window counters held (live or not yet swept). */
  counterCount(): number;
}

export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const now = options.now ?? Date.now;
  const keysByHash = new Map<string, KeyRecord>();
  const hashById = new Map<string, string>();
  const usage = new Map<string, UsageDay>();
  const batches = new Set<string>();
  const counters = new Map<string, Counter>();
  const leases = new Map<string, Map<string, number>>();

  function counter(key: string, at: number): number {
    const entry = counters.get(key);
    if (!entry) return 0;
    if (entry.expiresAt <= at) {
      counters.delete(key);
      return 0;
    }
    return entry.value;
  }

  // A window's counter is read again only while it is current or previous: after that nothing
  // looks it up, so expiring on read alone would keep every window ever used (one per key per
  // minute, forever). Expired counters are swept once there have been as many writes since the
  // last sweep as it left counters (at least 64): amortised O(1) per write, and the map holds at
  // most its live counters, twice over, plus 64.
  let writesLeft = 64;
  function sweep(at: number): void {
    for (const [key, entry] of counters) if (entry.expiresAt <= at) counters.delete(key);
    writesLeft = Math.max(64, counters.size);
  }

  // INCRBY, with the PEXPIRE the script sets only when the key is new.
  function increment(key: string, by: number, ttlMs: number, at: number): number {
    if (--writesLeft < 0) sweep(at);
    const value = counter(key, at) + by;
    const entry = counters.get(key);
    if (entry) entry.value = value;
    else counters.set(key, { value, expiresAt: at + ttlMs });
    return value;
  }

  function activeLeases(id: string, at: number): Map<string, number> {
    let held = leases.get(id);
    if (!held) {
      held = new Map();
      leases.set(id, held);
    }
    for (const [leaseId, expiresAt] of held) if (expiresAt <= at) held.delete(leaseId);
    return held;
  }

  const clone = (record: KeyRecord): KeyRecord => structuredClone(record);

  return {
    type: "memory",

    async getKey(hash) {
      const record = keysByHash.get(hash);
      return record ? clone(record) : null;
    },
    async getKeyById(id) {
      const hash = hashById.get(id);
      const record = hash ? keysByHash.get(hash) : undefined;
      return record ? clone(record) : null;
    },
    async putKey(record) {
      keysByHash.set(record.hash, clone(record));
      hashById.set(record.id, record.hash);
    },
    async updateKey(id, change) {
      // No await between the read and the write: nothing can land in between.
      const hash = hashById.get(id);
      const record = hash ? keysByHash.get(hash) : undefined;
      if (!record) return null;
      const next = change(clone(record));
      if (next === null) return clone(record);
      const stored = { ...next, id: record.id, hash: record.hash };
      keysByHash.set(record.hash, clone(stored));
      return clone(stored);
    },
    async listKeys(tenant) {
      return [...keysByHash.values()]
        .filter((r) => tenant === undefined || r.tenant === tenant)
        .map(clone);
    },

    async addUsage(deltas: UsageDelta[], batchId?: string) {
      if (batchId !== undefined) {
        if (batches.has(batchId)) return;
        batches.add(batchId);
        // Only the latest ids matter: a batch is resent right after its answer was lost.
        if (batches.size > 10_000) batches.delete(batches.values().next().value as string);
      }
      for (const delta of deltas) {
        const id = `${delta.tenant}\u0000${delta.day}`;
        let day = usage.get(id);
        if (!day) {
          day = { day: delta.day, tenant: delta.tenant, totals: emptyCounts(), keys: {} };
          usage.set(id, day);
        }
        addCounts(day.totals, delta);
        const perKey = day.keys[delta.keyId] ?? emptyCounts();
        addCounts(perKey, delta);
        day.keys[delta.keyId] = perKey;
      }
    },
    async readUsage(tenant, fromDay, toDay) {
      return daysBetween(fromDay, toDay)
        .map((day) => usage.get(`${tenant}\u0000${day}`))
        .filter((day): day is UsageDay => day !== undefined)
        .map((day) => structuredClone(day));
    },

    async slidingWindow(id, limit, windowMs, cost): Promise<WindowResult> {
      const at = now();
      const currentWindow = Math.floor(at / windowMs);
      const reset = (currentWindow + 1) * windowMs;
      const currentKey = `${id}:${currentWindow}`;
      const inCurrent = counter(currentKey, at);
      const inPrevious = counter(`${id}:${currentWindow - 1}`, at);
      const weightedPrevious = Math.floor((1 - (at % windowMs) / windowMs) * inPrevious);
      if (cost > 0 && weightedPrevious + inCurrent >= limit) {
        return { success: false, limit, remaining: 0, reset };
      }
      const value = increment(currentKey, cost, windowMs * 2 + 1000, at);
      const remaining = limit - (value + weightedPrevious);
      return { success: remaining >= 0, limit, remaining: Math.max(0, remaining), reset };
    },
    async reserve(id, limit, windowMs, cost): Promise<Reservation> {
      const at = now();
      const currentWindow = Math.floor(at / windowMs);
      const reset = (currentWindow + 1) * windowMs;
      const currentKey = `${id}:${currentWindow}`;
      const inCurrent = counter(currentKey, at);
      const inPrevious = counter(`${id}:${currentWindow - 1}`, at);
      const used = inCurrent + Math.floor((1 - (at % windowMs) / windowMs) * inPrevious);
      const window = currentWindow;
      if (used + cost > limit) {
        return { success: false, limit, remaining: Math.max(0, limit - used), reset, window };
      }
      increment(currentKey, cost, windowMs * 2 + 1000, at);
      return { success: true, limit, remaining: limit - used - cost, reset, window };
    },
    async charge(id, windowMs, amount, window) {
      const at = now();
      const current = Math.floor(at / windowMs);
      const target = window === undefined ? current : Math.min(window, current);
      if (target < current - 1) return;
      increment(`${id}:${target}`, amount, windowMs * 2 + 1000, at);
    },
    async acquireLease(id, limit, leaseId, ttlMs): Promise<LeaseResult> {
      const at = now();
      const held = activeLeases(id, at);
      if (!held.has(leaseId) && held.size >= limit) {
        const soonest = Math.min(...held.values());
        return { ok: false, active: held.size, retryAfterMs: Math.max(0, soonest - at) };
      }
      held.set(leaseId, at + ttlMs);
      return { ok: true, active: held.size, retryAfterMs: 0 };
    },
    async releaseLease(id, leaseId) {
      const held = leases.get(id);
      held?.delete(leaseId);
      if (held?.size === 0) leases.delete(id);
    },

    counterCount: () => counters.size,
    async close() {},
  };
}
