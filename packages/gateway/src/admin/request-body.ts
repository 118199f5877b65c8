import type { Context } from "hono";
import type { z } from "zod";
import type { GatewayEnv } from "../env.js";
import { errors } from "../errors/api-error.js";
import { readBody, refuseDeclaredOverLimit } from "../http/client.js";
import { nestsDeeperThan } from "../pipeline/json-depth.js";
import { invalid } from "./errors.js";

/**
 * The largest admin body read. The largest valid one (a key with 1,000 models and 1,000 tags of
 * 200 characters each) is about 410 KB; anything longer is refused (413) before it is parsed.
 */
export const ADMIN_MAX_BODY_BYTES = 512 * 1024;

/** The JSON body, validated; 413 past ADMIN_MAX_BODY_BYTES, a clear 400 for anything else. */
export async function validBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const gateway = c as unknown as Context<GatewayEnv>;
  refuseDeclaredOverLimit(gateway, ADMIN_MAX_BODY_BYTES);
  const text = await readBody(gateway, ADMIN_MAX_BODY_BYTES);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw errors.badRequest("The request body must be a JSON object.");
  }
  if (nestsDeeperThan(json, 16)) throw errors.badRequest("The request body must be a JSON object.");
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw invalid(parsed.error);
  return parsed.data;
}

export function validQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw invalid(parsed.error);
  return parsed.data;
}
