import type { Config, ModelConfig } from "../config/schema.js";
import type { Principal } from "../store/types.js";
import { placementAllows } from "./placement.js";

/**
 * May this caller use this public model? Its key must allow the model, and its placement tags
 * must leave at least one of the model's backends: a local-only key does not see a model that
 * only the cloud serves.
 */
export function mayUseModel(
  config: Config,
  name: string,
  model: ModelConfig,
  principal: Principal,
): boolean {
  if (principal.models && !principal.models.includes(name)) return false;
  return model.targets.some((t) =>
    placementAllows(principal.tags, config.backends[t.backend]?.tags ?? []),
  );
}
