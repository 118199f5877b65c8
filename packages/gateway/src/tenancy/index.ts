import type { Hono } from "hono";
import { createAdminRoutes } from "../admin/index.js";
import { createLimiter, type LimiterOptions } from "../limits/limiter.js";
import type { Limiter } from "../limits/types.js";
import type { KeyRecord, Store } from "../store/types.js";
import { type ConfigKey, configKeyRecords } from "./config-keys.js";
import { createKeyLookup } from "./key-lookup.js";
import { createUsageRecorder, type UsageEvent, type UsageRecorder } from "./usage-recorder.js";

// Tenancy for the gateway: keys in a store, limits, usage and the admin API, behind the
// `Tenancy` seam of docs/architecture.md. The pipeline resolves config keys itself, then asks
// findKey; it admits through `limiter` and, after the response, calls recordUsage.

export type { ConfigKey } from "./config-keys.js";
export type { UsageEvent } from "./usage-recorder.js";

export interface TenancyOptions {
  store: Store;
  /** Bearer token of /admin/* (config `admin.token`). Absent: the admin API refuses everything. */
  adminToken?: string | undefined;
  /** The config file's keys: listed by the admin API and accepted by /v1/usage. */
  configKeys?: ConfigKey[];
  /**
   * What an unreachable store means (documented in tenancy/README.md):
   * - keys "reject" (default): a key only the store knows is refused (503); "stale": keys seen
   *   before are served from this instance's cache. Config keys work either way.
   * - maxStaleMs: "stale" serves a key only if the store confirmed it within this long.
   *   Default 10 × keyCacheTtlMs.
   * - limits "open" (default): requests run unlimited, with a warning in the log; "closed": 503.
   * Usage is always buffered in memory and written when the store is back.
   */
  onStoreDown?: {
    keys?: "reject" | "stale" | undefined;
    maxStaleMs?: number | undefined;
    limits?: "open" | "closed" | undefined;
  };
  /** How long a store key is trusted without asking the store again. Default 10 s. */
  keyCacheTtlMs?: number;
  /** How long the store's "no such key" is believed for a hash. Default 10 s. */
  unknownKeyTtlMs?: number;
  /** A store call slower than this counts as an outage. Default 1000 ms. */
  storeTimeoutMs?: number;
  /** rpm/tpm window, lease TTL. */
  limits?: Pick<LimiterOptions, "windowMs" | "leaseTtlMs">;
  /** Usage entries kept in memory while the store is down. Default 10,000. */
  maxBufferedUsage?: number;
  log?: (line: Record<string, unknown>) => void;
  now?: () => number;
}

export interface Tenancy {
  findKey(hash: string): Promise<KeyRecord | null>;
  limiter: Limiter;
  recordUsage(ev: UsageEvent): Promise<void>;
  routes: Hono;
}

export interface TenancyHandle extends Tenancy {
  store: Store;
  usage: UsageRecorder;
  /** Flushes buffered usage (best effort) and closes the store. */
  close(): Promise<void>;
}

export async function createTenancy(options: TenancyOptions): Promise<TenancyHandle> {
  const { store } = options;
  const now = options.now ?? Date.now;
  const log = options.log ?? ((line) => console.warn(JSON.stringify(line)));
  const storeTimeoutMs = options.storeTimeoutMs ?? 1000;
  const configKeys = await configKeyRecords(options.configKeys ?? [], now());
  const configByHash = new Map(configKeys.map((k) => [k.hash, k]));

  const lookup = createKeyLookup({
    store,
    cacheTtlMs: options.keyCacheTtlMs ?? 10_000,
    unknownTtlMs: options.unknownKeyTtlMs ?? 10_000,
    onStoreDown: options.onStoreDown?.keys ?? "reject",
    ...(options.onStoreDown?.maxStaleMs !== undefined
      ? { maxStaleMs: options.onStoreDown.maxStaleMs }
      : {}),
    storeTimeoutMs,
    log,
    now,
  });
  const limiter = createLimiter({
    store,
    ...options.limits,
    onStoreDown: options.onStoreDown?.limits ?? "open",
    storeTimeoutMs,
    log,
    now,
  });
  const usage = createUsageRecorder({
    store,
    storeTimeoutMs: storeTimeoutMs * 2,
    log,
    ...(options.maxBufferedUsage !== undefined ? { maxBuffered: options.maxBufferedUsage } : {}),
  });
  const routes = createAdminRoutes({
    store,
    adminToken: options.adminToken,
    configKeys,
    findKey: async (hash) => configByHash.get(hash) ?? lookup.find(hash),
    forget: lookup.forget,
    limiter,
    now,
    storeTimeoutMs,
  });

  return {
    findKey: lookup.find,
    limiter,
    recordUsage: (ev) => usage.record(ev),
    routes,
    store,
    usage,
    async close() {
      await usage.flush();
      usage.close();
      await store.close();
    },
  };
}
