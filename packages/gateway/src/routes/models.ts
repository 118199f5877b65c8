import type { Context } from "hono";
import type { Config } from "../config/schema.js";
import type { GatewayEnv } from "../env.js";
import { errors } from "../errors/api-error.js";

/** GET /v1/models: only the models the caller's key may use. */
export function listModels(config: Config) {
  const all = Object.keys(config.models).map((id) => ({
    id,
    object: "model",
    created: 0,
    owned_by: "thinkgate",
  }));
  const everything = { object: "list", data: all };
  return (c: Context<GatewayEnv>) => {
    const allowed = c.get("principal").models;
    if (!allowed) return c.json(everything);
    return c.json({ object: "list", data: all.filter((m) => allowed.includes(m.id)) });
  };
}

/** GET /v1/models/:model: one model, if the caller's key may use it. */
export function retrieveModel(config: Config) {
  return (c: Context<GatewayEnv>) => {
    const id = c.req.param("model") ?? "";
    if (!Object.hasOwn(config.models, id)) throw errors.modelNotFound(id);
    const allowed = c.get("principal").models;
    if (allowed && !allowed.includes(id)) throw errors.modelNotFound(id);
    return c.json({ id, object: "model", created: 0, owned_by: "thinkgate" });
  };
}
