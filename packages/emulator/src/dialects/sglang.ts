import { type Answer, finishReason, type UsageCounts } from "../answer.js";
import type { Step } from "../steps.js";
import { hex } from "./ids.js";
import type { Dialect, Identity } from "./types.js";

// SGLang with --reasoning-parser deepseek-r1 (reasoning-formats.md §3): reasoning_content, and
// pydantic dumps without exclusions, so every delta carries all four fields, nulls included.

const MODEL = "Qwen/QwQ-32B";
const EOS_TOKEN = 151645; // <|im_end|>: SGLang reports which stop token ended generation

const usage = (u: UsageCounts) => ({
  prompt_tokens: u.prompt,
  total_tokens: u.prompt + u.completion,
  completion_tokens: u.completion,
  prompt_tokens_details: null,
  reasoning_tokens: u.reasoning ?? 0,
});

const empty = { role: null, content: null, reasoning_content: null, tool_calls: null };

function delta(step: Step, answer: Answer): Record<string, unknown> | null {
  switch (step.kind) {
    case "role":
      return { ...empty, role: "assistant", content: "" };
    case "reasoning":
      return { ...empty, reasoning_content: step.text };
    case "content":
      return { ...empty, content: step.text };
    case "toolStart": {
      const tool = answer.toolCall!;
      const call = {
        id: tool.id,
        index: 0,
        type: "function",
        function: { name: tool.name, arguments: "" },
      };
      return { ...empty, tool_calls: [call] };
    }
    case "toolArguments": {
      const call = {
        id: null,
        index: 0,
        type: "function",
        function: { name: null, arguments: step.text },
      };
      return { ...empty, tool_calls: [call] };
    }
    default:
      return null;
  }
}

const envelope = (who: Identity, choices: unknown[], usageValue: unknown) => ({
  id: who.id,
  object: "chat.completion.chunk",
  created: who.created,
  model: who.model,
  choices,
  usage: usageValue,
});

const choice = (d: unknown, finish: string | null, matched: number | null) => ({
  index: 0,
  delta: d,
  logprobs: null,
  finish_reason: finish,
  matched_stop: matched,
});

export const sglang: Dialect = {
  name: "sglang",
  prefix: "/sglang/v1",
  defaultModel: MODEL,
  style: { inline: false, nativeTools: true },
  sseContentType: "text/event-stream",
  newId: () => hex(16),
  toolCallId: () => `call_${hex(12)}`,
  streamErrorStatus: 500,
  refuse: () => null,
  chunk(step, answer, who) {
    if (step.kind === "usage") return envelope(who, [], usage(answer.usage!));
    if (step.kind === "finish") {
      return envelope(
        who,
        [choice(empty, step.reason, step.reason === "stop" ? EOS_TOKEN : null)],
        null,
      );
    }
    const d = delta(step, answer);
    return d && envelope(who, [choice(d, null, null)], null);
  },
  completion(answer, who) {
    const tool = answer.toolCall;
    const message = {
      role: "assistant",
      content: tool || answer.truncated ? answer.content || null : answer.content,
      reasoning_content: answer.reasoning,
      tool_calls: tool
        ? [
            {
              id: tool.id,
              index: 0,
              type: "function",
              function: { name: tool.name, arguments: tool.arguments },
            },
          ]
        : null,
    };
    const finish = finishReason(answer, true);
    return {
      id: who.id,
      object: "chat.completion",
      created: who.created,
      model: who.model,
      choices: [
        {
          index: 0,
          message,
          logprobs: null,
          finish_reason: finish,
          matched_stop: tool ? null : EOS_TOKEN,
        },
      ],
      usage: answer.usage ? usage(answer.usage) : null,
    };
  },
  error(status, message) {
    if (status === 401 && message === undefined) return { error: "Unauthorized" };
    const type =
      status >= 500 ? "InternalServerError" : status === 404 ? "NotFoundError" : "BadRequestError";
    return {
      object: "error",
      message: message ?? `request failed with status ${status}`,
      type,
      param: null,
      code: status,
    };
  },
  streamError: () => ({
    error: {
      message: "Internal server error during generation",
      type: "InternalServerError",
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
        owned_by: "sglang",
        root: MODEL,
        max_model_len: 32768,
      },
    ],
  }),
};
