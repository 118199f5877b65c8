import { type Answer, finishReason, type UsageCounts } from "../answer.js";
import { answerText, type Step } from "../steps.js";
import { alphanumeric } from "./ids.js";
import type { Dialect, Identity } from "./types.js";

// llama.cpp llama-server with --reasoning-format deepseek (reasoning-formats.md §5):
// reasoning_content, keys in the server's own order (nlohmann ordered_json), and `timings`.

const MODEL = "qwq-32b-q4_k_m.gguf";
const FINGERPRINT = "b6500-8a2afb7";
const STYLE = { inline: false, nativeTools: false };

const usage = (u: UsageCounts) => ({
  completion_tokens: u.completion,
  prompt_tokens: u.prompt,
  total_tokens: u.prompt + u.completion,
});

// Fixed, plausible numbers: nothing downstream may depend on them beyond their presence.
function timings(answer: Answer) {
  const predicted = answer.usage?.completion ?? 0;
  const prompt = answer.usage?.prompt ?? 0;
  return {
    prompt_n: prompt,
    prompt_ms: 12.5,
    prompt_per_token_ms: prompt ? 12.5 / prompt : 0,
    prompt_per_second: prompt ? (prompt * 1000) / 12.5 : 0,
    predicted_n: predicted,
    predicted_ms: predicted * 20,
    predicted_per_token_ms: 20,
    predicted_per_second: 50,
  };
}

function delta(step: Step): Record<string, unknown> | null {
  switch (step.kind) {
    case "role":
      return { role: "assistant", content: null };
    case "reasoning":
      return { reasoning_content: step.text };
    case "content":
      return { content: step.text };
    default:
      return null;
  }
}

const envelope = (who: Identity, choices: unknown[]) => ({
  choices,
  created: who.created,
  id: who.id,
  model: who.model,
  system_fingerprint: FINGERPRINT,
  object: "chat.completion.chunk",
});

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  501: "not_supported_error",
  503: "unavailable_error",
};

const ERROR_MESSAGES: Record<number, string> = {
  401: "Invalid API Key",
  404: "File Not Found",
  503: "Loading model",
};

export const llamacpp: Dialect = {
  name: "llamacpp",
  prefix: "/llamacpp/v1",
  defaultModel: MODEL,
  style: STYLE,
  sseContentType: "text/event-stream",
  newId: () => `chatcmpl-${alphanumeric(32)}`,
  toolCallId: () => alphanumeric(32),
  streamErrorStatus: 500,
  refuse: () => null,
  chunk(step, answer, who) {
    if (step.kind === "usage") {
      return { ...envelope(who, []), usage: usage(answer.usage!), timings: timings(answer) };
    }
    if (step.kind === "finish") {
      return {
        ...envelope(who, [{ finish_reason: step.reason, index: 0, delta: {} }]),
        timings: timings(answer),
      };
    }
    const d = delta(step);
    return d && envelope(who, [{ finish_reason: null, index: 0, delta: d }]);
  },
  completion(answer, who) {
    const message: Record<string, unknown> = {
      role: "assistant",
      content: answerText(answer, STYLE),
    };
    if (answer.reasoning !== "") message.reasoning_content = answer.reasoning;
    const body: Record<string, unknown> = {
      choices: [{ finish_reason: finishReason(answer, false), index: 0, message }],
      created: who.created,
      model: who.model,
      system_fingerprint: FINGERPRINT,
      object: "chat.completion",
    };
    if (answer.usage) body.usage = usage(answer.usage);
    body.id = who.id;
    body.timings = timings(answer);
    return body;
  },
  error: (status, message) => ({
    error: {
      code: status,
      message: message ?? ERROR_MESSAGES[status] ?? `request failed with status ${status}`,
      type: ERROR_TYPES[status] ?? "server_error",
    },
  }),
  streamError: () => ({
    error: { code: 500, message: "decode failed: out of memory", type: "server_error" },
  }),
  models: (created) => ({
    object: "list",
    data: [
      {
        id: MODEL,
        object: "model",
        created,
        owned_by: "llamacpp",
        meta: { n_ctx_train: 131072, n_params: 32763876352 },
      },
    ],
  }),
};
