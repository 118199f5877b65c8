import type { Context } from "hono";
import { errors } from "../errors/api-error.js";
import { clientGone } from "../upstream/call.js";
import { nestsDeeperThan } from "./json-depth.js";

/** Far beyond any real request (tool schemas nest a dozen levels), far below a stack overflow. */
const maxJsonDepth = 128;

/** The request body as JSON, and its length; runs after the body-size limit. */
export async function readJson(c: Context): Promise<{ json: unknown; length: number }> {
  const type = c.req.header("content-type");
  if (!type || !/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw errors.unsupportedMediaType("Expected 'Content-Type: application/json'.");
  }
  let text: string;
  try {
    text = await c.req.text();
  } catch {
    // The body never arrived whole: the client left mid-upload, or the server stopped waiting
    // for it (Node's requestTimeout). The client's doing, not a failure of the gateway's.
    if (c.req.raw.signal.aborted) throw clientGone();
    throw errors.badRequest(
      "The request body could not be read to its end.",
      null,
      "body_unreadable",
    );
  }
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
