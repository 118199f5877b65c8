import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis/cloudflare";
import { runScript, type ScriptClient } from "./script-client.js";
import * as scripts from "./scripts.js";
import type { KeyRecord, Store, UsageCounts, UsageDay, UsageDelta } from "./types.js";
import { daysBetween, emptyCounts, USAGE_FIELDS } from "./usage-counts.js";

// The store on Redis, whichever way Redis is reached (TCP via ioredis, or Upstash's REST API):
// both give a ScriptClient, and everything here is a Lua script or @upstash/ratelimit.

export interface RedisBackedOptions {
  type: "redis" | "upstash";
  client: ScriptClient;
  /** Prefix of every key this store writes. Default "tg:". */
  prefix?: string;
  /** Usage counters are kept this long. Default 400 days. */
  usageTtlSeconds?: number;
  close?: () => Promise<void>;
}

/** Conflicting writes tolerated by one updateKey before it gives up (503 to the admin). */
const maxUpdateAttempts = 10;

const FIELD_BY_NAME = Object.fromEntries(
  Object.entries(USAGE_FIELDS).map(([counter, field]) => [field, counter]),
) as Record<string, keyof UsageCounts>;

export function createRedisBackedStore(options: RedisBackedOptions): Store {
  const { client } = options;
  const prefix = options.prefix ?? "tg:";
  const usageTtl = options.usageTtlSeconds ?? 400 * 86_400;
  const limitPrefix = `${prefix}rl`;
  const keyRecord = (hash: string) => `${prefix}key:${hash}`;
  const keyIndex = (id: string) => `${prefix}keyid:${id}`;
  const keySet = `${prefix}keys`;
  const usageKey = (tenant: string, day: string) => `${prefix}usage:${tenant}:${day}`;
  const leaseKey = (id: string) => `${prefix}lease:${id}`;

  // One Ratelimit per (limit, window): the algorithm object carries them.
  const limiters = new Map<string, Ratelimit>();
  function ratelimit(limit: number, windowMs: number): Ratelimit {
    const id = `${limit}/${windowMs}`;
    let limiter = limiters.get(id);
    if (!limiter) {
      limiter = new Ratelimit({
        redis: client as unknown as Redis,
        limiter: Ratelimit.slidingWindow(limit, `${windowMs} ms`),
        prefix: limitPrefix,
        // The ephemeral cache would keep refusing an identifier after a refund, and it is
        // per instance: both would break the shared-limit guarantees.
        ephemeralCache: false,
        analytics: false,
        enableTelemetry: false,
        // A timeout here would quietly admit; outages are decided by the limiter (limits/limiter.ts) instead.
        timeout: 0,
      });
      limiters.set(id, limiter);
    }
    return limiter;
  }

  const parseRecord = (json: unknown): KeyRecord | null =>
    typeof json === "string" && json.length > 0 ? (JSON.parse(json) as KeyRecord) : null;

  return {
    type: options.type,

    async getKey(hash) {
      return parseRecord(await runScript(client, scripts.getKey, [keyRecord(hash)], []));
    },
    async getKeyById(id) {
      const json = await runScript(client, scripts.getKeyById, [keyIndex(id)], [keyRecord("")]);
      return parseRecord(json);
    },
    async putKey(record) {
      await runScript(
        client,
        scripts.putKey,
        [keyRecord(record.hash), keyIndex(record.id), keySet],
        [JSON.stringify(record), record.hash],
      );
    },
    async updateKey(id, change) {
      // Optimistic: read, change, write only if unchanged since the read (scripts.replaceKey);
      // a conflict means another write landed in between, so change the newer record instead.
      for (let attempt = 0; attempt < maxUpdateAttempts; attempt++) {
        const json = await runScript(client, scripts.getKeyById, [keyIndex(id)], [keyRecord("")]);
        const record = parseRecord(json);
        if (!record) return null;
        const next = change(structuredClone(record));
        if (next === null) return record;
        const stored = { ...next, id: record.id, hash: record.hash };
        const written = await runScript(
          client,
          scripts.replaceKey,
          [keyRecord(record.hash)],
          [json as string, JSON.stringify(stored)],
        );
        if (Number(written) === 1) return stored;
      }
      throw new Error(`key ${id}: more than ${maxUpdateAttempts} concurrent changes`);
    },
    async listKeys(tenant) {
      const rows = (await runScript(client, scripts.listKeys, [keySet], [keyRecord("")])) as
        | unknown[]
        | null;
      return (rows ?? [])
        .map(parseRecord)
        .filter((r): r is KeyRecord => r !== null && (tenant === undefined || r.tenant === tenant));
    },

    async addUsage(deltas: UsageDelta[], batchId?: string) {
      if (deltas.length === 0) return;
      const wire = deltas.map((d) => ({
        tenant: d.tenant,
        day: d.day,
        keyId: d.keyId,
        requests: d.requests,
        prompt: d.promptTokens,
        completion: d.completionTokens,
        reasoning: d.reasoningTokens,
        errors: d.errors,
      }));
      await runScript(
        client,
        scripts.addUsage,
        batchId ? [`${prefix}usage-batch:${batchId}`] : [],
        [JSON.stringify(wire), `${prefix}usage:`, usageTtl],
      );
    },
    async readUsage(tenant, fromDay, toDay) {
      const days = daysBetween(fromDay, toDay);
      if (days.length === 0) return [];
      const replies = (await runScript(
        client,
        scripts.readUsage,
        days.map((day) => usageKey(tenant, day)),
        [],
      )) as unknown[][];
      const out: UsageDay[] = [];
      days.forEach((day, i) => {
        const flat = replies[i] ?? [];
        if (flat.length === 0) return;
        const entry: UsageDay = { day, tenant, totals: emptyCounts(), keys: {} };
        for (let j = 0; j + 1 < flat.length; j += 2) {
          const field = String(flat[j]);
          const value = Number(flat[j + 1]);
          const bar = field.lastIndexOf("|");
          const counter = FIELD_BY_NAME[bar === -1 ? field : field.slice(bar + 1)];
          if (!counter) continue;
          if (bar === -1) {
            entry.totals[counter] = value;
          } else {
            const keyId = field.slice(0, bar);
            const perKey = entry.keys[keyId] ?? emptyCounts();
            perKey[counter] = value;
            entry.keys[keyId] = perKey;
          }
        }
        out.push(entry);
      });
      return out;
    },

    async slidingWindow(id, limit, windowMs, cost) {
      const r = await ratelimit(limit, windowMs).limit(id, { rate: cost });
      return { success: r.success, limit: r.limit, remaining: r.remaining, reset: r.reset };
    },
    async reserve(id, limit, windowMs, cost) {
      const now = Date.now();
      const window = Math.floor(now / windowMs);
      const [ok, remaining] = (await runScript(
        client,
        scripts.reserve,
        [`${limitPrefix}:${id}:${window}`, `${limitPrefix}:${id}:${window - 1}`],
        [limit, now, windowMs, cost],
      )) as [number, number];
      return {
        success: Number(ok) === 1,
        limit,
        remaining: Number(remaining),
        reset: (window + 1) * windowMs,
        window,
      };
    },
    async charge(id, windowMs, amount, window) {
      // The counter @upstash/ratelimit's sliding window reads: `${prefix}:${id}:${window}`.
      // A reservation's window is still alive while it is current or previous (its counter
      // lives two windows and a second from its first write); an older one weighs nothing.
      const current = Math.floor(Date.now() / windowMs);
      const target = window === undefined ? current : Math.min(window, current);
      if (target < current - 1) return;
      await runScript(
        client,
        scripts.charge,
        [`${limitPrefix}:${id}:${target}`],
        [amount, windowMs * 2 + 1000],
      );
    },
    async acquireLease(id, limit, leaseId, ttlMs) {
      const [ok, active, retryAfterMs] = (await runScript(
        client,
        scripts.acquireLease,
        [leaseKey(id)],
        [Date.now(), limit, leaseId, ttlMs],
      )) as [number, number, number];
      return { ok: Number(ok) === 1, active: Number(active), retryAfterMs: Number(retryAfterMs) };
    },
    async releaseLease(id, leaseId) {
      await runScript(client, scripts.releaseLease, [leaseKey(id)], [leaseId]);
    },

    async close() {
      await options.close?.();
    },
  };
}
