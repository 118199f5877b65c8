import type { Context } from "hono";
import type { Config } from "../config/schema.js";
import type { GatewayEnv } from "../env.js";
import { errors } from "../errors/api-error.js";
import { mayUseModel } from "../router/usable-models.js";

/**
 * GET /v1/models: only the models the caller may use (its key's allowlist, and at least one
 * backend its placement tags allow). Aliases are not listed: each model appears once, under
 * its canonical name, though requests may use either.
 */
export function listModels(config: Config) {
  const all = Object.entries(config.models);
  return (c: Context<GatewayEnv>) => {
    const principal = c.get("principal");
    const data = all
      .filter(([id, model]) => mayUseModel(config, id, model, principal))
      .map(([id]) => ({ id, object: "model", created: 0, owned_by: "thinkgate" }));
    return c.json({ object: "list", data });
  };
}

/** GET /v1/models/:model: one model, if the caller's key may use it. */
export function retrieveModel(config: Config) {
  return (c: Context<GatewayEnv>) => {
    const id = c.req.param("model") ?? "";
    const model = Object.hasOwn(config.models, id) ? config.models[id] : undefined;
    if (!model || !mayUseModel(config, id, model, c.get("principal"))) {
      throw errors.modelNotFound(id);
    }
    return c.json({ id, object: "model", created: 0, owned_by: "thinkgate" });
  };
}
