import type { ModelConfig } from "../config/schema.js";
import type { Upstream } from "../upstream/types.js";

/** A public model as clients name it, resolved from its name or one of its aliases. */
export interface PublicModel {
  name: string;
  config: ModelConfig;
}

/** One place a request may go: a backend and the model name that backend knows. */
export interface Candidate {
  upstream: Upstream;
  model: string;
  /** Index of the target in the model's config. */
  target: number;
}
