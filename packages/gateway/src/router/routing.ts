import type { Config } from "../config/schema.js";
import type { Tenancy } from "../deps.js";
import type { UpstreamFetch } from "../upstream/transport.js";
import type { Upstream } from "../upstream/types.js";
import { CircuitBreakers } from "./breaker.js";
import type { RetryPolicy } from "./failover.js";
import { startHealthChecks } from "./health-check.js";
import { type InFlight, memoryInFlight } from "./in-flight.js";
import { storeInFlight } from "./store-in-flight.js";
import { type StrategyRouter, strategyRouter } from "./strategy-router.js";

/** Everything routing keeps between requests, built once per app. */
export interface Routing {
  router: StrategyRouter;
  /** Per backend, in this process (see breaker.ts for why not in the store). */
  breakers: CircuitBreakers;
  inFlight: InFlight;
  retry: RetryPolicy;
  /** Epoch ms. */
  now: () => number;
  random: () => number;
}

export interface RoutingOptions {
  /** Epoch ms (default Date.now). */
  now?: () => number;
  /** Default Math.random; tests pass a seeded one. */
  random?: () => number;
  /** Spillover's in-flight counts; default: tenancy's store if shared, else this process. */
  inFlight?: InFlight;
  /** Upstream fetch, for active health checks. */
  fetch?: UpstreamFetch;
  tenancy?: Tenancy | undefined;
  log?: ((line: Record<string, unknown>) => void) | undefined;
  /** Run config.routing.healthCheck's probes on a timer until this aborts (Node). */
  healthChecks?: AbortSignal;
}

export function createRouting(
  config: Config,
  upstreams: Map<string, Upstream>,
  options: RoutingOptions = {},
): Routing {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const breakers = new CircuitBreakers({ ...config.routing.breaker, now });
  const routing: Routing = {
    router: strategyRouter(config, upstreams, random),
    breakers,
    inFlight: options.inFlight ?? defaultInFlight(options),
    retry: config.routing.retry,
    now,
    random,
  };
  const probes = config.routing.healthCheck;
  const signal = options.healthChecks;
  if (probes && signal && !signal.aborted) {
    const stop = startHealthChecks({
      config,
      upstreams,
      breakers,
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      ...probes,
    });
    signal.addEventListener("abort", stop, { once: true });
  }
  return routing;
}

/** Shared counts when several instances share a store; one process's otherwise. */
function defaultInFlight(options: RoutingOptions): InFlight {
  const store = options.tenancy?.store;
  if (!store || store.type === "memory") return memoryInFlight();
  const log = options.log;
  return storeInFlight(store, {
    onStoreError: (error) =>
      log?.({
        msg: "in-flight counts unavailable; spillover limits not enforced meanwhile",
        error: String(error).slice(0, 200),
      }),
  });
}
