import type { ReasoningFormat } from "@thinkgate/core";
import { z } from "zod";
import { formatPath } from "../config/error.js";
import { errors } from "../errors/api-error.js";
import { promptTokens } from "./token-estimate.js";

// Only what the gateway itself reads is checked; every other field passes through as sent.
const message = z.looseObject({ role: z.string().min(1) });
const tokenCount = z.number().int().positive().nullish();
const chatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(message).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  reasoning_format: z.enum(["reasoning_content", "reasoning", "think_tags", "none"]).optional(),
  tools: z.array(z.unknown()).nullish(),
  max_tokens: tokenCount,
  max_completion_tokens: tokenCount,
  n: tokenCount,
  best_of: tokenCount,
});

export type ChatRequest = z.output<typeof chatRequestSchema>;

export interface ParsedChatRequest {
  body: ChatRequest;
  stream: boolean;
  includeUsage: boolean;
  format: ReasoningFormat;
  hasTools: boolean;
  /**
   * The prompt in tokens, estimated from its text (pipeline/token-estimate.ts): for limits, and
   * charged when the upstream reports none.
   */
  promptTokens: number;
  /**
   * Completion tokens per choice the upstream is allowed: the client's `max_completion_tokens`
   * (or `max_tokens`), else the model's default, within the model's cap. The one number sent
   * upstream (router/model-defaults.ts).
   */
  budget: number;
  /** Sequences generated: the larger of `n` and `best_of` (1 when neither is sent). */
  choices: number;
  /** What the request may cost in tokens at most: prompt + budget × choices, the reservation. */
  estimatedTokens: number;
}

/**
 * Completion tokens allowed when neither the client nor the model's config says: reasoning
 * models think for thousands of tokens (QwQ and R1 routinely 5–15k), so the default is
 * generous, yet finite and always sent upstream (Qwen's own recommended output length).
 */
export const defaultMaxTokens = 32_768;

/** The request body, checked where the gateway reads it, with its token estimates. */
export function parseChatRequest(json: unknown): ParsedChatRequest {
  const result = chatRequestSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const param = issue ? formatPath(issue.path) : null;
    throw errors.badRequest(
      `Invalid request: ${param}: ${issue?.message ?? "invalid body"}`,
      param,
    );
  }
  const body = result.data;
  const prompt = promptTokens(body);
  const budget = body.max_completion_tokens ?? body.max_tokens ?? defaultMaxTokens;
  const choices = Math.max(body.n ?? 1, body.best_of ?? 1);
  return {
    body,
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
    format: body.reasoning_format ?? "reasoning_content",
    hasTools: Array.isArray(body.tools) && body.tools.length > 0,
    promptTokens: prompt,
    budget,
    choices,
    estimatedTokens: prompt + budget * choices,
  };
}
