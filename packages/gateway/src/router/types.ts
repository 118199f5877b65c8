import type { ModelConfig } from "../config/schema.js";
import type { Principal } from "../store/types.js";
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

/**
 * Decides where a request goes. `plan` lists the candidates in the order to try them; the
 * pipeline moves to the next one only when a candidate fails before its first byte.
 * Strategies with state (weighted, spillover, breakers) are told how each attempt went.
 */
export interface Router {
  plan(model: PublicModel, principal: Principal): Candidate[];
  /** Optional feedback: an attempt started; the returned function is called when it ends. */
  begin?(candidate: Candidate): (outcome: "ok" | "failed") => void;
}
