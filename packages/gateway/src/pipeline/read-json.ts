import type { Context } from "hono";
import { errors } from "../errors/api-error.js";

/** The request body as JSON, and its length; runs after the body-size limit. */
export async function readJson(c: Context): Promise<{ json: unknown; length: number }> {
  const type = c.req.header("content-type");
  if (!type || !/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw errors.unsupportedMediaType("Expected 'Content-Type: application/json'.");
  }
  const text = await c.req.text();
  try {
    return { json: JSON.parse(text), length: text.length };
  } catch {
    throw errors.badRequest("The request body is not valid JSON.", null, "invalid_json");
  }
}
