import type { Upstream } from "../upstream/types.js";
import type { Candidate, PublicModel, Router } from "./types.js";

/**
 * The targets in the order the config lists them. A key restricted to backend tags (e.g. a
 * tenant that must stay on local GPUs) only sees backends carrying one of its tags.
 */
export function fallbackRouter(upstreams: Map<string, Upstream>): Router {
  const plans = new WeakMap<PublicModel["config"], Candidate[]>();
  return {
    plan(model, principal) {
      let all = plans.get(model.config);
      if (!all) {
        all = model.config.targets.flatMap((t, i) => {
          const upstream = upstreams.get(t.backend);
          return upstream ? [{ upstream, model: t.model, target: i }] : [];
        });
        plans.set(model.config, all);
      }
      const tags = principal.tags;
      if (!tags || tags.length === 0) return all;
      return all.filter((c) => c.upstream.tags.some((tag) => tags.includes(tag)));
    },
  };
}
