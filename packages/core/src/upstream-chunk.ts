// Reading what backends put in a chat.completion.chunk. Every accessor tolerates odd shapes
// (null, wrong types, missing fields): a backend's quirk must never become a crash.
import type { ErrorBody, Usage } from "./types.js";

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function textOf(v: unknown): string {
  if (typeof v === "string") return v;
  // Bedrock-style object reasoning: {"text": "…"}.
  if (isObject(v) && typeof v.text === "string") return v.text;
  return "";
}

/**
 * The reasoning text of one delta. `reasoning_content` and `reasoning` may both carry the same
 * text (vLLM 0.11.1–0.15, OpenRouter): the first non-empty one is taken, never their sum.
 * `thinking` is Ollama's native name; `reasoning_details` (OpenRouter) is read only when no
 * field has text.
 */
export function reasoningOf(delta: Json): string {
  const text = textOf(delta.reasoning_content) || textOf(delta.reasoning) || textOf(delta.thinking);
  if (text) return text;
  const details = delta.reasoning_details;
  if (!Array.isArray(details)) return "";
  let out = "";
  for (const d of details) {
    if (!isObject(d)) continue;
    if (d.type === "reasoning.text" && typeof d.text === "string") out += d.text;
    else if (d.type === "reasoning.summary" && typeof d.summary === "string") out += d.summary;
  }
  return out;
}

/** An in-band error: `{"error": {…}}` (OpenAI, DashScope, SGLang) or vLLM's `{"object":"error"}`. */
export function errorOf(chunk: Json): { error: ErrorBody; status?: number } | null {
  if (chunk.error !== undefined && chunk.error !== null) {
    const e = isObject(chunk.error) ? chunk.error : { message: chunk.error };
    return toErrorBody(e);
  }
  if (chunk.object === "error") return toErrorBody(chunk);
  return null;
}

export function toErrorBody(e: Json): { error: ErrorBody; status?: number } {
  const message =
    typeof e.message === "string" && e.message ? e.message : "The upstream reported an error.";
  const type = typeof e.type === "string" && e.type ? e.type : "upstream_error";
  const param = typeof e.param === "string" ? e.param : null;
  const code =
    typeof e.code === "string" ? e.code : typeof e.code === "number" ? String(e.code) : null;
  const status =
    typeof e.code === "number" && e.code >= 400 && e.code <= 599
      ? e.code
      : typeof e.status === "number" && e.status >= 400 && e.status <= 599
        ? e.status
        : undefined;
  const body: { error: ErrorBody; status?: number } = { error: { message, type, param, code } };
  if (status !== undefined) body.status = status;
  return body;
}

const count = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0);

/** A usage object in OpenAI's shape, or null when the chunk carries none. */
export function usageOf(v: unknown): Usage | null {
  if (!isObject(v)) return null;
  const prompt = count(v.prompt_tokens);
  const completion = count(v.completion_tokens);
  const usage: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: typeof v.total_tokens === "number" ? count(v.total_tokens) : prompt + completion,
  };
  if (isObject(v.completion_tokens_details))
    usage.completion_tokens_details =
      v.completion_tokens_details as Usage["completion_tokens_details"];
  else if (v.completion_tokens_details === null) usage.completion_tokens_details = null;
  if (isObject(v.prompt_tokens_details))
    usage.prompt_tokens_details = v.prompt_tokens_details as Usage["prompt_tokens_details"];
  return usage;
}

/** An error event Thinkgate raises itself about what the upstream sent. */
export function errorEvent(message: string, code: string, type = "upstream_error") {
  return {
    type: "error" as const,
    error: { message, type, param: null, code },
    status: 502,
  };
}
