import { type Answer, finishReason, type UsageCounts } from "../answer.js";
import { answerText, type Step, THINK_CLOSE } from "../steps.js";
import { hex } from "./ids.js";
import type { Dialect, Identity } from "./types.js";

// vLLM serving QwQ-32B (reasoning-formats.md §2). Pydantic dumps chunks with exclude_unset, so a
// delta holds only the fields that were set; usage is {prompt, total, completion} in that order.
// Since the token-id options (0.10.2+) the first chunk carries "prompt_token_ids":null and later
// choices "token_ids":null; 0.11–0.15 also set "reasoning_content":null on non-reasoning deltas
// (both as seen in captured 0.11-era streams).

type Variant = "reasoning" | "both" | "raw";

const MODEL = "Qwen/QwQ-32B";

function usage(u: UsageCounts) {
  const out: Record<string, unknown> = {
    prompt_tokens: u.prompt,
    total_tokens: u.prompt + u.completion,
    completion_tokens: u.completion,
  };
  if (u.reasoning !== undefined) out.completion_tokens_details = { reasoning_tokens: u.reasoning };
  return out;
}

function delta(variant: Variant, step: Step, answer: Answer): Record<string, unknown> | null {
  switch (step.kind) {
    case "role":
      return variant === "both"
        ? { role: "assistant", content: "", reasoning_content: null }
        : { role: "assistant", content: "" };
    case "reasoning":
      // 0.11.1–0.15 emit both names with the same text (vllm#29408): clients must not sum them.
      return variant === "both"
        ? { reasoning: step.text, reasoning_content: step.text }
        : { reasoning: step.text };
    case "content":
      return variant === "both"
        ? { content: step.text, reasoning_content: null }
        : { content: step.text };
    case "toolStart": {
      const tool = answer.toolCall!;
      const calls = [{ id: tool.id, type: "function", index: 0, function: { name: tool.name } }];
      return variant === "both"
        ? { reasoning_content: null, tool_calls: calls }
        : { tool_calls: calls };
    }
    case "toolArguments": {
      const calls = [{ index: 0, function: { arguments: step.text } }];
      return variant === "both"
        ? { reasoning_content: null, tool_calls: calls }
        : { tool_calls: calls };
    }
    default:
      return null;
  }
}

const envelope = (who: Identity, choices: unknown[]) => ({
  id: who.id,
  object: "chat.completion.chunk",
  created: who.created,
  model: who.model,
  choices,
});

const finishDelta = (variant: Variant) =>
  variant === "both" ? { content: "", reasoning_content: null } : { content: "" };

function message(variant: Variant, answer: Answer): Record<string, unknown> {
  const tool = answer.toolCall;
  const raw = variant === "raw";
  const content = raw
    ? answer.truncated
      ? answer.reasoning
      : answer.reasoning + THINK_CLOSE + answerText(answer, { inline: true, nativeTools: false })
    : tool || answer.truncated
      ? answer.content || null
      : answer.content;
  const toolCalls =
    tool && !raw
      ? [
          {
            id: tool.id,
            type: "function",
            function: { name: tool.name, arguments: tool.arguments },
          },
        ]
      : [];
  const out: Record<string, unknown> = {
    role: "assistant",
    content,
    refusal: null,
    annotations: null,
    audio: null,
    function_call: null,
    tool_calls: toolCalls,
    reasoning: raw ? null : answer.reasoning,
  };
  if (variant === "both") out.reasoning_content = answer.reasoning;
  return out;
}

const ERROR_TYPES: Record<number, string> = {
  400: "BadRequestError",
  401: "Unauthorized",
  404: "NotFoundError",
  429: "TooManyRequestsError",
  500: "InternalServerError",
  503: "ServiceUnavailableError",
};

function vllm(variant: Variant, name: string, prefix: string): Dialect {
  return {
    name,
    prefix,
    defaultModel: MODEL,
    style: { inline: variant === "raw", nativeTools: variant !== "raw" },
    sseContentType: "text/event-stream; charset=utf-8",
    newId: () => `chatcmpl-${hex(8)}`,
    toolCallId: () => `chatcmpl-tool-${hex(8)}`,
    streamErrorStatus: 500,
    refuse: () => null,
    chunk(step, answer, who) {
      if (step.kind === "usage") return { ...envelope(who, []), usage: usage(answer.usage!) };
      if (step.kind === "finish") {
        const choice = {
          index: 0,
          delta: finishDelta(variant),
          logprobs: null,
          finish_reason: step.reason,
          stop_reason: null,
          token_ids: null,
        };
        return envelope(who, [choice]);
      }
      const d = delta(variant, step, answer);
      if (!d) return null;
      if (step.kind === "role") {
        const first = { index: 0, delta: d, logprobs: null, finish_reason: null };
        return { ...envelope(who, [first]), prompt_token_ids: null };
      }
      return envelope(who, [
        { index: 0, delta: d, logprobs: null, finish_reason: null, token_ids: null },
      ]);
    },
    completion(answer, who) {
      const finish = finishReason(answer, variant !== "raw");
      const choice = {
        index: 0,
        message: message(variant, answer),
        logprobs: null,
        finish_reason: finish,
        stop_reason: null,
      };
      return {
        id: who.id,
        object: "chat.completion",
        created: who.created,
        model: who.model,
        choices: [choice],
        service_tier: null,
        system_fingerprint: null,
        usage: answer.usage ? { ...usage(answer.usage), prompt_tokens_details: null } : null,
        prompt_logprobs: null,
        kv_transfer_params: null,
      };
    },
    error(status, message) {
      // The --api-key middleware answers before the OpenAI layer, with its own bare shape.
      if (status === 401 && message === undefined) return { error: "Unauthorized" };
      const type =
        ERROR_TYPES[status] ?? (status >= 500 ? "InternalServerError" : "BadRequestError");
      return {
        error: {
          message: message ?? `${type}: request failed with status ${status}`,
          type,
          param: null,
          code: status,
        },
      };
    },
    streamError: () => ({
      error: {
        message: "Request failed during generation: engine error",
        type: "InternalServerError",
        param: null,
        code: 500,
      },
    }),
    models: (created) => ({
      object: "list",
      data: [
        {
          id: MODEL,
          object: "model",
          created,
          owned_by: "vllm",
          root: MODEL,
          parent: null,
          max_model_len: 32768,
          permission: [],
        },
      ],
    }),
  };
}

export const vllmCurrent = vllm("reasoning", "vllm", "/vllm/v1");
export const vllmBoth = vllm("both", "vllm-0.11", "/vllm-0.11/v1");
export const vllmRaw = vllm("raw", "vllm-raw", "/vllm-raw/v1");
