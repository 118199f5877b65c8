import type { RequestBody } from "../upstream/types.js";

/**
 * How a backend continues an assistant message it is given, if it can:
 * - `continue-final-message`: vLLM and SGLang (`continue_final_message: true`,
 *   `add_generation_prompt: false`): the last assistant message is extended, not answered.
 * - `partial-mode`: DashScope's partial mode (`"partial": true` on the assistant message).
 */
export type ContinuationMode = "none" | "continue-final-message" | "partial-mode";

/** What the client has already received of the broken answer. */
export interface Generated {
  reasoning: string;
  content: string;
}

/**
 * The upstream request that continues a broken answer on another backend: the same request,
 * with what was generated so far as the assistant's own beginning. Reasoning goes back in the
 * think block it came from (QwQ's template opens `<think>` itself), so the model resumes mid-
 * thought, or after `</think>` mid-answer. Runs after history hygiene, which would strip it.
 */
export function continuationBody(
  body: RequestBody,
  generated: Generated,
  mode: Exclude<ContinuationMode, "none">,
): RequestBody {
  const prefix =
    generated.content === ""
      ? `<think>\n${generated.reasoning}`
      : `<think>\n${generated.reasoning}\n</think>\n\n${generated.content}`;
  const messages = Array.isArray(body.messages) ? body.messages : [];
  if (mode === "partial-mode") {
    return {
      ...body,
      messages: [...messages, { role: "assistant", content: prefix, partial: true }],
    };
  }
  return {
    ...body,
    messages: [...messages, { role: "assistant", content: prefix }],
    continue_final_message: true,
    add_generation_prompt: false,
  };
}
