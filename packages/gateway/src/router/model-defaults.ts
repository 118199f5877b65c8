import type { ModelConfig } from "../config/schema.js";
import type { ParsedChatRequest } from "../pipeline/chat-request.js";
import type { RequestBody } from "../upstream/types.js";

/** A public model's own request defaults (config: models.*.defaults, models.*.maxTokens). */
export interface ModelDefaults {
  /** Set only when the client sent none (absent or null), e.g. QwQ's recommended sampling. */
  defaults: Readonly<Record<string, unknown>>;
  /** Completion tokens at most: a client asking for more gets this; one asking nothing, too. */
  maxTokens?: number | undefined;
}

/**
 * The client's request with the model's defaults filled in. What the client set is kept, except
 * a token limit above the cap. Runs before the backend's own params (renames, drops), so a
 * backend that declares it rejects a parameter (say `top_k`) never receives it.
 */
export function applyModelDefaults(body: RequestBody, model: ModelDefaults): RequestBody {
  const out: RequestBody = { ...body };
  for (const key in model.defaults) {
    if (out[key] === undefined || out[key] === null) out[key] = model.defaults[key];
  }
  const cap = model.maxTokens;
  if (cap !== undefined) {
    const asked = [out.max_tokens, out.max_completion_tokens].filter(
      (v): v is number => typeof v === "number",
    );
    if (asked.length === 0) out.max_tokens = cap;
    if (typeof out.max_tokens === "number" && out.max_tokens > cap) out.max_tokens = cap;
    if (typeof out.max_completion_tokens === "number" && out.max_completion_tokens > cap)
      out.max_completion_tokens = cap;
  }
  return out;
}

/**
 * The parsed request with its model's defaults applied; the limiter's token estimate follows a
 * capped max_tokens.
 */
export function withModelDefaults(
  request: ParsedChatRequest,
  model: ModelConfig,
): ParsedChatRequest {
  if (Object.keys(model.defaults).length === 0 && model.maxTokens === undefined) return request;
  const body = applyModelDefaults(request.body, model) as ParsedChatRequest["body"];
  const limit = body.max_completion_tokens ?? body.max_tokens;
  return {
    ...request,
    body,
    estimatedTokens:
      typeof limit === "number" ? request.promptTokens + limit : request.estimatedTokens,
  };
}
