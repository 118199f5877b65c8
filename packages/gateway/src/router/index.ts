import type { Config } from "../config/schema.js";
import type { Upstream } from "../upstream/types.js";
import { fallbackRouter } from "./fallback.js";
import type { Router } from "./types.js";

export type { Candidate, PublicModel, Router } from "./types.js";

/**
 * The router for a config. Every strategy currently routes as "fallback" (in order, next on a
 * failure before the first byte); weighted and spillover plug in here.
 */
export function createRouter(_config: Config, upstreams: Map<string, Upstream>): Router {
  return fallbackRouter(upstreams);
}
