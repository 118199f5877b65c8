import { type Answer, finishReason, type UsageCounts } from "../answer.js";
import { answerText, type Step } from "../steps.js";
import type { Dialect, Identity } from "./types.js";

// Ollama's /v1 (openai/openai.go, reasoning-formats.md §4): `reasoning`, `"content":""` and
// `role` on every delta, no role-only first chunk, usage with three totals only.

const MODEL = "qwq:latest";
const EFFORTS = ["high", "medium", "low", "none"];
const STYLE = { inline: false, nativeTools: false };

const usage = (u: UsageCounts) => ({
  prompt_tokens: u.prompt,
  completion_tokens: u.completion,
  total_tokens: u.prompt + u.completion,
});

function delta(step: Step): Record<string, unknown> | null {
  switch (step.kind) {
    case "reasoning":
      return { role: "assistant", content: "", reasoning: step.text };
    case "content":
      return { role: "assistant", content: step.text };
    default:
      return null;
  }
}

const envelope = (who: Identity, choices: unknown[]) => ({
  id: who.id,
  object: "chat.completion.chunk",
  created: who.created,
  model: who.model,
  system_fingerprint: "fp_ollama",
  choices,
});

const errorType = (status: number) =>
  status === 400 ? "invalid_request_error" : status === 404 ? "not_found_error" : "api_error";

export const ollama: Dialect = {
  name: "ollama",
  prefix: "/ollama/v1",
  defaultModel: MODEL,
  style: STYLE,
  sseContentType: "text/event-stream",
  newId: () => `chatcmpl-${Math.floor(Math.random() * 1000)}`,
  toolCallId: () => `call_${Math.random().toString(36).slice(2, 10)}`,
  streamErrorStatus: 500,
  refuse(_model, request) {
    // openai.go accepts reasoning.effort (first) or reasoning_effort, from a closed set.
    const effort =
      (request.reasoning as { effort?: unknown } | null)?.effort ?? request.reasoning_effort;
    if (effort === undefined || EFFORTS.includes(effort as string)) return null;
    return { status: 400, body: ollama.error(400, `invalid reasoning value: '${String(effort)}'`) };
  },
  chunk(step, answer, who) {
    if (step.kind === "usage") return { ...envelope(who, []), usage: usage(answer.usage!) };
    if (step.kind === "finish") {
      return envelope(who, [
        { index: 0, delta: { role: "assistant", content: "" }, finish_reason: step.reason },
      ]);
    }
    const d = delta(step);
    return d && envelope(who, [{ index: 0, delta: d, finish_reason: null }]);
  },
  completion(answer: Answer, who) {
    const message: Record<string, unknown> = {
      role: "assistant",
      content: answerText(answer, STYLE),
    };
    if (answer.reasoning !== "") message.reasoning = answer.reasoning; // omitempty
    const body: Record<string, unknown> = {
      ...envelope(who, [{ index: 0, message, finish_reason: finishReason(answer, false) }]),
      object: "chat.completion",
    };
    if (answer.usage) body.usage = usage(answer.usage);
    return body;
  },
  error: (status, message) => ({
    error: {
      message: message ?? `request failed with status ${status}`,
      type: errorType(status),
      param: null,
      code: null,
    },
  }),
  streamError: () => ({
    error: {
      message: "an error was encountered while running the model",
      type: "api_error",
      param: null,
      code: null,
    },
  }),
  models: (created) => ({
    object: "list",
    data: [{ id: MODEL, object: "model", created, owned_by: "library" }],
  }),
};
