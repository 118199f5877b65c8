import type { Context } from "hono";
import type { Config } from "../config/schema.js";
import type { GatewayEnv } from "../env.js";

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
