import type { ReasoningFormat } from "@thinkgate/core";
import { z } from "zod";
import { formatPath } from "../config/error.js";
import { errors } from "../errors/api-error.js";

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
});

export type ChatRequest = z.output<typeof chatRequestSchema>;

export interface ParsedChatRequest {
  body: ChatRequest;
  stream: boolean;
  includeUsage: boolean;
  format: ReasoningFormat;
  hasTools: boolean;
  /** Rough prompt size in tokens (body length / 4), for limits and when upstream reports none. */
  promptTokens: number;
  /** What the request may cost in tokens at most, for the limiter's reservation. */
  estimatedTokens: number;
}

/** Completion budget assumed when the client set none: reasoning models write long answers. */
const defaultCompletionTokens = 4096;

/** `bodyLength`: the JSON text's length, a free proxy for the prompt's size. */
export function parseChatRequest(json: unknown, bodyLength: number): ParsedChatRequest {
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
  const promptTokens = Math.ceil(bodyLength / 4);
  return {
    body,
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
    format: body.reasoning_format ?? "reasoning_content",
    hasTools: Array.isArray(body.tools) && body.tools.length > 0,
    promptTokens,
    estimatedTokens:
      promptTokens + (body.max_completion_tokens ?? body.max_tokens ?? defaultCompletionTokens),
  };
}
