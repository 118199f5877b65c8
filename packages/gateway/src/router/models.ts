import type { Config } from "../config/schema.js";
import type { PublicModel } from "./types.js";

/** Public model names and aliases → the model, built once at start-up. */
export function indexModels(config: Config): Map<string, PublicModel> {
  const index = new Map<string, PublicModel>();
  for (const [name, modelConfig] of Object.entries(config.models)) {
    const model = { name, config: modelConfig };
    index.set(name, model);
    for (const alias of modelConfig.aliases) index.set(alias, model);
  }
  return index;
}
