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
 * - `max_completion_tokens` is OpenAI's newer name: sent as `max_tokens`.
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
    if (body.max_completion_tokens !== undefined) {
      if (body.max_tokens === undefined) body.max_tokens = body.max_completion_tokens;
      delete body.max_completion_tokens;
    }
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
