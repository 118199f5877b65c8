import type { Context } from "hono";
import type { GatewayEnv } from "../env.js";
import { errors } from "../errors/api-error.js";
import { readBody, refuseDeclaredOverLimit } from "../http/client.js";
import { nestsDeeperThan } from "./json-depth.js";

/** Far beyond any real request (tool schemas nest a dozen levels), far below a stack overflow. */
const maxJsonDepth = 128;

/**
 * The request body as JSON, and its length. A body over `maxBytes` is refused with 413 (by its
 * declared length before anything is read, else as soon as it passes the limit).
 */
export async function readJson(
  c: Context<GatewayEnv>,
  maxBytes: number,
): Promise<{ json: unknown; length: number }> {
  refuseDeclaredOverLimit(c, maxBytes);
  const type = c.req.header("content-type");
  if (!type || !/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw errors.unsupportedMediaType("Expected 'Content-Type: application/json'.");
  }
  const text = await readBody(c, maxBytes);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw errors.badRequest("The request body is not valid JSON.", null, "invalid_json");
  }
  if (nestsDeeperThan(json, maxJsonDepth)) {
    throw errors.badRequest(
      `The request body nests more than ${maxJsonDepth} levels of arrays and objects.`,
      null,
      "invalid_json",
    );
  }
  return { json, length: text.length };
}
