// The public vocabulary of a chat stream. These names are a contract: they only grow.

export type FinishReason =
  | "stop"
  | "length"
  | "tool_calls"
  | "content_filter"
  | "function_call"
  | (string & {});

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  completion_tokens_details?: { reasoning_tokens?: number | null; [k: string]: unknown } | null;
  prompt_tokens_details?: { cached_tokens?: number | null; [k: string]: unknown } | null;
  /** Set by Thinkgate when the backend reported no usage and the counts are estimates. */
  estimated?: boolean;
}

/** A finished tool call, in OpenAI's shape (`arguments` is the JSON text the model wrote). */
export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** A piece of the model's reasoning ("thinking"), never containing think tags. */
export interface ReasoningEvent {
  type: "reasoning";
  delta: string;
}
/** A piece of the answer. */
export interface ContentEvent {
  type: "content";
  delta: string;
}
/** A fragment of a tool call as it streams: the first carries `id` and `name`. */
export interface ToolCallDeltaEvent {
  type: "tool_call_delta";
  index: number;
  id?: string;
  name?: string;
  argumentsDelta: string;
}
/** A tool call is complete; `parsedArguments` is set when `arguments` is valid JSON. */
export interface ToolCallEvent {
  type: "tool_call";
  index: number;
  id: string;
  name: string;
  arguments: string;
  parsedArguments?: unknown;
}
/** Token counts, once, near the end (the SDK always asks the server for them). */
export interface UsageEvent {
  type: "usage";
  usage: Usage;
}
/** The last event of a stream that ended cleanly. */
export interface DoneEvent {
  type: "done";
  finishReason: FinishReason | null;
}

/** What iterating a `ChatStream` yields; narrow on `type`. */
export type ChatEvent =
  | ReasoningEvent
  | ContentEvent
  | ToolCallDeltaEvent
  | ToolCallEvent
  | UsageEvent
  | DoneEvent;

export type ChatEventType = ChatEvent["type"];

/** What `stream.final()` and `chat.create()` resolve to. */
export interface ChatResult {
  reasoning: string;
  content: string;
  toolCalls: ToolCall[];
  usage: Usage | null;
  finishReason: FinishReason | null;
}
