import { type Answer, finishReason, type UsageCounts } from "../answer.js";
import type { Step } from "../steps.js";
import { uuid } from "./ids.js";
import type { Dialect, Identity } from "./types.js";

// DashScope compatible mode (reasoning-formats.md §1): reasoning_content with content:null while
// thinking, the other field null while answering, usage only in a last chunk with choices:[].

const STREAM_ONLY =
  "This model only support stream mode, please enable the stream parameter to access the model. ";

function usage(u: UsageCounts) {
  const out: Record<string, unknown> = {
    prompt_tokens: u.prompt,
    completion_tokens: u.completion,
    total_tokens: u.prompt + u.completion,
  };
  if (u.reasoning !== undefined) {
    out.completion_tokens_details = { reasoning_tokens: u.reasoning };
  }
  return out;
}

function delta(step: Step, answer: Answer): Record<string, unknown> | null {
  switch (step.kind) {
    case "role":
      return { content: null, role: "assistant", reasoning_content: "" };
    case "reasoning":
      return { content: null, reasoning_content: step.text };
    case "content":
      return { content: step.text, reasoning_content: null };
    case "toolStart": {
      const tool = answer.toolCall!;
      const call = {
        index: 0,
        id: tool.id,
        type: "function",
        function: { name: tool.name, arguments: "" },
      };
      return { content: null, reasoning_content: null, tool_calls: [call] };
    }
    case "toolArguments": {
      const call = { index: 0, id: "", type: "function", function: { arguments: step.text } };
      return { content: null, reasoning_content: null, tool_calls: [call] };
    }
    default:
      return null;
  }
}

function envelope(choices: unknown[], usageValue: unknown, who: Identity) {
  return {
    choices,
    object: "chat.completion.chunk",
    usage: usageValue,
    created: who.created,
    system_fingerprint: null,
    model: who.model,
    id: who.id,
  };
}

const THINKING_ONLY = "The value of the enable_thinking parameter is restricted to True.";

// The envelope of parameter errors: code first, and a chatcmpl id beside the request id.
function invalidParameter(message: string) {
  const error = {
    code: "invalid_parameter_error",
    param: null,
    message,
    type: "invalid_request_error",
  };
  return { status: 400, body: { error, id: `chatcmpl-${uuid()}`, request_id: uuid() } };
}

function errorBody(code: string, message: string, type = "invalid_request_error") {
  return { error: { message, type, param: null, code }, request_id: uuid() };
}

export const dashscope: Dialect = {
  name: "dashscope",
  prefix: "/dashscope/compatible-mode/v1",
  defaultModel: "qwq-32b",
  style: { inline: false, nativeTools: true },
  sseContentType: "text/event-stream;charset=UTF-8",
  newId: () => `chatcmpl-${uuid()}`,
  toolCallId: () => `call_${uuid().replaceAll("-", "").slice(0, 24)}`,
  streamErrorStatus: 400,
  refuse(model, request) {
    if (!model.startsWith("qwq")) return null;
    // Thinking-only models: stream-only, and thinking cannot be switched off (§1.2, §1.4).
    if (request.stream !== true) return invalidParameter(STREAM_ONLY);
    if (request.enable_thinking === false) return invalidParameter(THINKING_ONLY);
    return null;
  },
  chunk(step, answer, who) {
    if (step.kind === "usage") return envelope([], usage(answer.usage!), who);
    if (step.kind === "finish") {
      const choice = {
        finish_reason: step.reason,
        delta: { content: "", reasoning_content: null },
        index: 0,
        logprobs: null,
      };
      return envelope([choice], null, who);
    }
    const d = delta(step, answer);
    return d && envelope([{ delta: d, index: 0, logprobs: null, finish_reason: null }], null, who);
  },
  completion(answer, who) {
    const message: Record<string, unknown> = {
      content: answer.toolCall ? answer.content || null : answer.content,
      reasoning_content: answer.reasoning,
      role: "assistant",
    };
    if (answer.toolCall) {
      const t = answer.toolCall;
      message.tool_calls = [
        {
          function: { name: t.name, arguments: t.arguments },
          index: 0,
          id: t.id,
          type: "function",
        },
      ];
    }
    const choice = {
      message,
      finish_reason: finishReason(answer, true),
      index: 0,
      logprobs: null,
    };
    const body: Record<string, unknown> = { choices: [choice], object: "chat.completion" };
    if (answer.usage) body.usage = usage(answer.usage);
    return {
      ...body,
      created: who.created,
      system_fingerprint: null,
      model: who.model,
      id: who.id,
    };
  },
  error(status, message) {
    switch (status) {
      case 400:
        return errorBody(
          "invalid_parameter_error",
          message ?? "<400> InternalError.Algo.InvalidParameter: The request is invalid.",
        );
      case 401:
        return errorBody(
          "invalid_api_key",
          message ??
            "Incorrect API key provided. For details, see: https://help.aliyun.com/zh/model-studio/error-code#apikey-error",
        );
      case 403:
        return errorBody("AccessDenied", message ?? "Access denied.");
      case 404:
        return errorBody(
          "model_not_found",
          message ?? "The model `qwq-32b` does not exist or you do not have access to it.",
        );
      case 429:
        return errorBody(
          "limit_requests",
          message ??
            "You have exceeded your current request limit. For details, see: https://help.aliyun.com/zh/model-studio/error-code#rate-limit",
          "limit_requests",
        );
      default:
        return errorBody(
          "internal_error",
          message ??
            "An internal error has occured, please try again later or contact service support.",
          "internal_error",
        );
    }
  },
  streamError: () => ({
    error: {
      message: "Output data may contain inappropriate content.",
      type: "data_inspection_failed",
      param: null,
      code: "data_inspection_failed",
    },
  }),
  models: (created) => ({
    object: "list",
    data: [{ id: "qwq-32b", object: "model", created, owned_by: "system" }],
  }),
};
