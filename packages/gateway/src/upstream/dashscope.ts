import type { Adapter, RequestBody } from "./types.js";

const regionBaseUrls = {
  intl: "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
  mainland: "https://dashscope.aliyuncs.com/compatible-mode/v1",
} as const;

/** Models that always think: DashScope rejects thinking switches and forced tools for them. */
function isThinkingOnly(model: unknown): boolean {
  return typeof model === "string" && (/^qwq/i.test(model) || /thinking/i.test(model));
}

/**
 * Alibaba DashScope, OpenAI-compatible mode. The transform adapts what DashScope rejects or
 * ignores instead of letting the client see an upstream 400:
 * - QwQ and thinking-only models answer 400 to `enable_thinking`/`thinking_budget`
 *   ("restricted to True"; "not applicable to QwQ"): dropped.
 * - Thinking models cannot be forced to call one tool (only "auto"/"none"): a forced
 *   `tool_choice` ("required" or an object) is dropped, leaving the model free to call it.
 * - The output budget goes out as `max_completion_tokens` alone, `max_tokens` removed:
 *   Model Studio made `max_completion_tokens` the field that bounds everything a model
 *   generates, reasoning included, with `max_tokens` deprecated by 2026-05-30 (Model Studio
 *   notice "Changes to Certain Model Fields", 2026-04-20,
 *   https://www.alibabacloud.com/en/notice/model_studio_notice_of_changes_to_certain_model_fields_724).
 *   `max_tokens` did not bound a thinking model's reasoning (only `thinking_budget` did, which
 *   QwQ does not accept), so it would not bound what the reservation covers.
 * - The `developer` role is OpenAI-only: sent as `system`.
 * - `reasoning_effort` together with `thinking_budget` is rejected: the budget wins.
 */
export const dashscope: Adapter = {
  baseUrl(backend) {
    if (backend.type !== "dashscope") throw new Error("not a dashscope backend");
    return backend.baseUrl ?? regionBaseUrls[backend.region];
  },
  transform(input) {
    const body: RequestBody = { ...input };
    const thinking = isThinkingOnly(body.model) || body.enable_thinking === true;
    if (isThinkingOnly(body.model)) {
      delete body.enable_thinking;
      delete body.thinking_budget;
    }
    if (
      thinking &&
      body.tool_choice !== undefined &&
      body.tool_choice !== "auto" &&
      body.tool_choice !== "none"
    ) {
      delete body.tool_choice;
    }
    const budget = body.max_completion_tokens ?? body.max_tokens;
    delete body.max_tokens;
    if (budget !== undefined) body.max_completion_tokens = budget;
    if (body.thinking_budget !== undefined) delete body.reasoning_effort;
    if (Array.isArray(body.messages) && body.messages.some(isDeveloperMessage)) {
      body.messages = body.messages.map((m) =>
        isDeveloperMessage(m) ? { ...m, role: "system" } : m,
      );
    }
    return body;
  },
};

function isDeveloperMessage(message: unknown): message is Record<string, unknown> {
  return (
    typeof message === "object" &&
    message !== null &&
    (message as { role?: unknown }).role === "developer"
  );
}
