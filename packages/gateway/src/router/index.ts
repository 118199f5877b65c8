// Routing: which backend serves a request, and what happens when one fails before its first
// event. Strategy order and placement (strategy-router.ts), breakers (breaker.ts), in-flight
// counts for spillover (in-flight.ts, store-in-flight.ts), the failover loop (failover.ts) and
// the first-event hold (first-event.ts), assembled per app in routing.ts.

export type { AttemptRecord } from "./attempt-log.js";
export { type InFlight, memoryInFlight, type Slot } from "./in-flight.js";
export { createRouting, type Routing, type RoutingOptions } from "./routing.js";
export { storeInFlight } from "./store-in-flight.js";
export type { Candidate, PublicModel } from "./types.js";
