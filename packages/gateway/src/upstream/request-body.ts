import { stripReasoningFromMessages } from "@thinkgate/core";
import type { RequestBody, Upstream } from "./types.js";

export interface UpstreamBodyOptions {
  /** The model name the backend knows. */
  model: string;
  historyReasoning: "strip" | "keep";
}

/**
 * The client's request as this upstream should see it. Everything the gateway does not know
 * passes through untouched; what changes:
 * - always streamed, always with usage (one code path; usage for accounting from every backend);
 * - `reasoning_format` is ours and never forwarded;
 * - assistant history loses its reasoning unless the model or backend keeps it;
 * - the adapter's transform, then the backend's declared defaults, renames and drops.
 */
export function upstreamBody(
  client: RequestBody,
  upstream: Upstream,
  options: UpstreamBodyOptions,
): RequestBody {
  let body: RequestBody = { ...client };
  delete body.reasoning_format;
  body.model = options.model;
  body.stream = true;
  const streamOptions = isObject(client.stream_options) ? client.stream_options : {};
  body.stream_options = { ...streamOptions, include_usage: true };
  if (options.historyReasoning === "strip" && Array.isArray(body.messages)) {
    body.messages = strippedHistory(body.messages);
  }
  if (upstream.transform) body = upstream.transform(body);
  const { defaults, rename, drop } = upstream.params;
  for (const key in defaults) if (body[key] === undefined) body[key] = defaults[key];
  for (const from in rename) {
    const to = rename[from];
    if (to !== undefined && from in body) {
      body[to] = body[from];
      delete body[from];
    }
  }
  for (const key of drop) delete body[key];
  return body;
}

/**
 * History without reasoning, made once per request: every failover attempt and a continuation
 * pass the same client messages, and stripping 2 MiB of history again per attempt is wasted.
 * Keyed by the client's array, so the copy lives as long as the request; built only when a
 * backend that strips is tried, since a model may keep reasoning on another.
 */
const stripped = new WeakMap<unknown[], unknown[]>();
function strippedHistory(messages: unknown[]): unknown[] {
  let history = stripped.get(messages);
  if (!history) {
    history = stripReasoningFromMessages(messages);
    stripped.set(messages, history);
  }
  return history;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
