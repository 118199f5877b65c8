import type { Hono } from "hono";
import type { Config } from "./config/schema.js";
import type { Limiter } from "./limits/types.js";
import type { GatewayMetrics } from "./observability/gateway-metrics.js";
import type { InFlight } from "./router/in-flight.js";
import type { KeyRecord, Store } from "./store/types.js";
import type { UsageEvent } from "./tenancy/usage-recorder.js";
import type { UpstreamFetch } from "./upstream/transport.js";

/** One finished request's usage, as tenancy records it. */
export type { UsageEvent };

/** Everything createApp needs from the outside world; side effects are injected here. */
export interface GatewayDeps {
  /** Validated (parseConfig), env already substituted. */
  config: Config;
  /** Keys in a store, limits, usage; absent: config keys only, no limits. */
  tenancy?: Tenancy;
  /** Upstream fetch (default globalThis.fetch). */
  fetch?: UpstreamFetch;
  /** Clock in epoch ms, injectable. */
  now?: () => number;
  /** One structured line per request. */
  log?: (line: Record<string, unknown>) => void;
  /** Workers: keep work alive after the response. */
  waitUntil?: (p: Promise<unknown>) => void;
  /** Routing's own state and randomness; everything optional. */
  routing?: RoutingDeps;
  /**
   * Prometheus metrics (createGatewayMetrics). Absent (Workers): nothing is recorded. Unless
   * config.metrics.listen gives them a listener of their own, GET /metrics serves them behind
   * the admin token.
   */
  metrics?: GatewayMetrics;
  /** The admin token when the config names none (THINKGATE_ADMIN_TOKEN): guards /metrics. */
  adminToken?: string | undefined;
}

export interface RoutingDeps {
  /**
   * Spillover's in-flight counts. Default: shared through `tenancy.store` when that is a redis
   * or upstash store (every instance sees one count), else counted in this process.
   */
  inFlight?: InFlight;
  /** Weighted choices (default Math.random); tests pass a seeded one. */
  random?: () => number;
  /**
   * Node: run config.routing.healthCheck's active probes on a timer until this aborts. Left
   * out (Workers, tests), health is learnt from real traffic only.
   */
  healthChecks?: AbortSignal;
}

/** The seam between the request pipeline and tenancy (packages/gateway/src/tenancy/). */
export interface Tenancy {
  /** Store keys; config keys are resolved first. */
  findKey(hash: string): Promise<KeyRecord | null>;
  limiter: Limiter;
  /** After the response (waitUntil on Workers). */
  recordUsage(ev: UsageEvent): Promise<void>;
  /** Mounted at "/": /admin/*, /v1/usage, /openapi.json. */
  routes?: Hono;
  /** The store behind tenancy; routing shares spillover's in-flight counts through it. */
  store?: Store;
}
