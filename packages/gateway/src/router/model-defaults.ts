import type { ModelConfig } from "../config/schema.js";
import { errors } from "../errors/api-error.js";
import { defaultMaxTokens, type ParsedChatRequest } from "../pipeline/chat-request.js";
import type { RequestBody } from "../upstream/types.js";

/** A public model's own request settings (config: models.*.defaults, maxTokens, …). */
export interface ModelDefaults {
  /** Set only when the client sent none (absent or null), e.g. QwQ's recommended sampling. */
  defaults: Readonly<Record<string, unknown>>;
  /** Completion tokens at most: a client asking for more gets this. */
  maxTokens?: number | undefined;
  /** Completion tokens when the client asks none; default 32,768, within `maxTokens`. */
  defaultMaxTokens?: number | undefined;
}

/**
 * The one output budget of a request, per choice: what the client asked
 * (`max_completion_tokens`, else `max_tokens`), else the model's default, never above the
 * model's cap.
 */
export function outputBudget(body: RequestBody, model: ModelDefaults): number {
  const asked = [body.max_completion_tokens, body.max_tokens].find(
    (v): v is number => typeof v === "number",
  );
  const wanted = asked ?? model.defaultMaxTokens ?? defaultMaxTokens;
  return Math.min(wanted, model.maxTokens ?? Number.POSITIVE_INFINITY);
}

/**
 * The client's request with the model's defaults filled in, and its output budget as the one
 * field `max_completion_tokens` (the other spelling removed): each backend's adapter renames it
 * to the field that backend honours (upstream/*.ts), so the upstream is always told the limit
 * the reservation was made for. What else the client set is kept. Runs before the backend's own
 * params (renames, drops), so a backend that declares it rejects a parameter (say `top_k`)
 * never receives it.
 */
export function applyModelDefaults(
  body: RequestBody,
  model: ModelDefaults,
  budget = outputBudget(body, model),
): RequestBody {
  const out: RequestBody = { ...body };
  for (const key in model.defaults) {
    if (out[key] === undefined || out[key] === null) out[key] = model.defaults[key];
  }
  delete out.max_tokens;
  out.max_completion_tokens = budget;
  return out;
}

/**
 * The parsed request, made to fit its model and its key's tpm limit:
 * - `n` and `best_of` above the model's `maxN` (default 1) are a 400: each is a whole
 *   generation the upstream runs and bills;
 * - the output budget is capped by the model, and by what one minute of the key's tpm leaves
 *   after the prompt (`(tpm - prompt) / choices`): a request may never generate more than its
 *   reservation covers, so the reservation (`prompt + budget × choices`) bounds what it costs;
 * - a prompt that alone leaves no room in the tpm limit is a 400: it could never run.
 */
export function withModelDefaults(
  request: ParsedChatRequest,
  model: ModelConfig,
  tpm?: number,
): ParsedChatRequest {
  const maxN = model.maxN ?? 1;
  for (const param of ["n", "best_of"] as const) {
    const asked = request.body[param];
    if (typeof asked === "number" && asked > maxN) {
      throw errors.badRequest(
        `Invalid request: ${param}: at most ${maxN} for this model, got ${asked}.`,
        param,
      );
    }
  }
  let budget = outputBudget(request.body, model);
  if (tpm !== undefined) {
    const room = Math.floor((tpm - request.promptTokens) / request.choices);
    if (room < 1) {
      throw errors.badRequest(
        `Request too large for the key's tokens per minute (tpm) limit of ${tpm}: the prompt is about ${request.promptTokens} tokens. Shorten the prompt.`,
        "messages",
        "request_too_large",
      );
    }
    budget = Math.min(budget, room);
  }
  const body = applyModelDefaults(request.body, model, budget) as ParsedChatRequest["body"];
  return {
    ...request,
    body,
    budget,
    estimatedTokens: request.promptTokens + budget * request.choices,
  };
}
