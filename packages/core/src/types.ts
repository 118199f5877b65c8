// The shared vocabulary of Thinkgate: what the normalizer emits, what renderers and the
// aggregator consume, and what the gateway and the SDK pass around. Everything else in
// packages/core is a function over these types.

/** How a client wants reasoning written out (the `reasoning_format` request extension). */
export type ReasoningFormat = "reasoning_content" | "reasoning" | "think_tags" | "none";

/**
 * How a backend emits reasoning.
 * - `auto`: reasoning fields (`reasoning_content`, `reasoning`, …) and a leading inline
 *   `<think>…</think>` block in content are recognised.
 * - `think-open`: the output starts inside a think block (QwQ or R1 served without a reasoning
 *   parser), so text before the first `</think>` is reasoning.
 */
export type ReasoningMode = "auto" | "think-open";

/** OpenAI's error object, as sent in `{"error": …}` bodies and in-band SSE error events. */
export interface ErrorBody {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  completion_tokens_details?: { reasoning_tokens?: number | null; [k: string]: unknown } | null;
  prompt_tokens_details?: { cached_tokens?: number | null; [k: string]: unknown } | null;
  /** Set by Thinkgate when the upstream reported no usage and the counts are estimates. */
  estimated?: boolean;
}

export type FinishReason =
  | "stop"
  | "length"
  | "tool_calls"
  | "content_filter"
  | "function_call"
  | (string & {});

/**
 * One normalized event. Per choice, events arrive in order; reasoning text never contains
 * think tags; no event carries empty text; `error` and `done` are terminal (exactly one of
 * them ends a stream).
 */
export type StreamEvent =
  /** Once, before anything else: identity of the completion, from the first upstream chunk. */
  | { type: "start"; id: string; model: string; created: number }
  | { type: "role"; choice: number; role: "assistant" }
  | { type: "reasoning"; choice: number; text: string }
  | { type: "content"; choice: number; text: string }
  /**
   * A tool-call delta in OpenAI's streaming shape: the first fragment of a call carries `id`
   * and `name`; later fragments only `arguments` text to append.
   */
  | {
      type: "tool_call";
      choice: number;
      index: number;
      id?: string;
      name?: string;
      arguments: string;
    }
  | { type: "finish"; choice: number; reason: FinishReason }
  | { type: "usage"; usage: Usage }
  /**
   * Terminal: the upstream (or the gateway) failed; `status` is the HTTP status if known.
   * `fromUpstream`: the message, code and status are what the upstream put in its stream,
   * unvetted (a gateway scrubs and maps them before a client sees them). `retryAfter`: seconds,
   * for a rate-limit error.
   */
  | {
      type: "error";
      error: ErrorBody;
      status?: number;
      fromUpstream?: true;
      retryAfter?: number;
    }
  /** Terminal: the stream ended cleanly (`[DONE]`, or a clean end after a finish reason). */
  | { type: "done" };

export type StreamEventType = StreamEvent["type"];

export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** A non-streaming chat completion, as OpenAI defines it, with reasoning fields. */
export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: {
      role: "assistant";
      content: string | null;
      reasoning_content?: string | null;
      reasoning?: string | null;
      tool_calls?: ToolCall[];
    };
    finish_reason: FinishReason | null;
    logprobs: null;
  }>;
  usage?: Usage;
}

/** A streaming chunk, as OpenAI defines it, with reasoning fields. */
export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: {
      role?: "assistant";
      content?: string | null;
      reasoning_content?: string | null;
      reasoning?: string | null;
      tool_calls?: Array<{
        index: number;
        id?: string;
        type?: "function";
        function?: { name?: string; arguments?: string };
      }>;
    };
    finish_reason: FinishReason | null;
    logprobs?: null;
  }>;
  usage?: Usage | null;
}
