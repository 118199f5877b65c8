import type { Context } from "hono";
import type { z } from "zod";
import { errors } from "../errors/api-error.js";
import { invalid } from "./errors.js";

/** The JSON body, validated; a clear 400 for anything else. */
export async function validBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    throw errors.badRequest("The request body must be a JSON object.");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw invalid(parsed.error);
  return parsed.data;
}

export function validQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw invalid(parsed.error);
  return parsed.data;
}
