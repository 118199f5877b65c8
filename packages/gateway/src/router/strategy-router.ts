import type { Config, ModelConfig } from "../config/schema.js";
import type { Principal } from "../store/types.js";
import type { Upstream } from "../upstream/types.js";
import { placementAllows } from "./placement.js";
import { targetOrder } from "./strategy.js";
import type { Candidate, PublicModel } from "./types.js";

/** A candidate as the failover sees it: which backend, and its in-flight limit if any. */
export interface RoutedCandidate extends Candidate {
  backend: string;
  /** Spillover only: the target's (or else its backend's) maxConcurrency. */
  capacity: number | undefined;
  /** Spillover only: slots of `capacity` kept for requests with no later target. */
  reserved: number | undefined;
}

export interface StrategyRouter {
  /** The model's targets in the order to try them, limited to what the key may use. */
  plan(model: PublicModel, principal: Principal): RoutedCandidate[];
  /** The backends of the model, placement allowing, that can continue a broken answer. */
  continuers(model: PublicModel, principal: Principal): string[];
}

/**
 * Orders a model's targets by its strategy (fallback, weighted, spillover) and keeps only the
 * backends the caller's placement tags allow. Candidates are resolved once per model; a plan
 * is then a filter and, for weighted models, a shuffle.
 */
export function strategyRouter(
  config: Config,
  upstreams: Map<string, Upstream>,
  random: () => number,
): StrategyRouter {
  const resolved = new WeakMap<ModelConfig, RoutedCandidate[]>();
  const candidatesOf = (model: ModelConfig): RoutedCandidate[] => {
    let all = resolved.get(model);
    if (!all) {
      all = model.targets.flatMap((t, i) => {
        const upstream = upstreams.get(t.backend);
        if (!upstream) return [];
        const capacity =
          model.strategy === "spillover"
            ? (t.maxConcurrency ?? config.backends[t.backend]?.maxConcurrency)
            : undefined;
        // An eighth of a box by default (none below 8 slots), for requests that cannot spill.
        const reserved =
          capacity === undefined
            ? undefined
            : (config.backends[t.backend]?.reservedConcurrency ?? Math.floor(capacity / 8));
        return [
          { upstream, model: t.model, target: i, backend: upstream.name, capacity, reserved },
        ];
      });
      resolved.set(model, all);
    }
    return all;
  };

  return {
    plan(model, principal) {
      const all = candidatesOf(model.config);
      const byTarget = new Map(all.map((c) => [c.target, c]));
      const ordered =
        model.config.strategy === "weighted"
          ? targetOrder(model.config, random).flatMap((i) => byTarget.get(i) ?? [])
          : all;
      return ordered.filter((c) => placementAllows(principal.tags, c.upstream.tags));
    },
    continuers(model, principal) {
      return candidatesOf(model.config)
        .filter((c) => c.upstream.continuation !== "none")
        .filter((c) => placementAllows(principal.tags, c.upstream.tags))
        .map((c) => c.backend);
    },
  };
}
