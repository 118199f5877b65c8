import type { Config } from "../config/schema.js";
import type { Upstream } from "../upstream/types.js";
import { CircuitBreakers } from "./breaker.js";
import type { RetryPolicy } from "./failover.js";
import { type InFlight, memoryInFlight } from "./in-flight.js";
import type { RoutingConfig } from "./routing-schema.js";
import { type StrategyRouter, strategyRouter } from "./strategy-router.js";

/** Everything routing keeps between requests, built once per app. */
export interface Routing {
  router: StrategyRouter;
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
  /** Shared in-flight counts (store leases); default: this process only. */
  inFlight?: InFlight;
}

export function createRouting(
  config: Config & { routing: RoutingConfig },
  upstreams: Map<string, Upstream>,
  options: RoutingOptions = {},
): Routing {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  return {
    router: strategyRouter(config, upstreams, random),
    breakers: new CircuitBreakers({ ...config.routing.breaker, now }),
    inFlight: options.inFlight ?? memoryInFlight(),
    retry: config.routing.retry,
    now,
    random,
  };
}
