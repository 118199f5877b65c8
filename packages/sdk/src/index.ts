export { Chat, type ChatRequestOptions } from "./chat.js";
export type {
  ChatMessage,
  ChatParams,
  ContentPart,
  ReasoningMode,
  ToolDefinition,
} from "./chat-params.js";
export { ChatStream } from "./chat-stream.js";
export { Thinkgate, type ThinkgateOptions } from "./client.js";
export {
  APIConnectionError,
  APITimeoutError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  type ErrorObject,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ThinkgateError,
} from "./errors.js";
export type {
  ChatEvent,
  ChatEventType,
  ChatResult,
  ContentEvent,
  DoneEvent,
  FinishReason,
  ReasoningEvent,
  ToolCall,
  ToolCallDeltaEvent,
  ToolCallEvent,
  Usage,
  UsageEvent,
} from "./events.js";
export { type FromOpenAIOptions, fromOpenAI, type OpenAIChunkStream } from "./from-openai.js";
export { type Model, Models } from "./models.js";
export type { RequestOptions } from "./transport.js";
