// Request shapes: OpenAI's chat completion parameters, open to backend-specific extensions
// (DashScope's `enable_thinking`, vLLM's `chat_template_kwargs`, Thinkgate's `reasoning_format`)
// because a client must never silently drop a field the server understands.

export type ContentPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string; detail?: "auto" | "low" | "high" } }
  | { type: string; [k: string]: unknown };

export type ChatMessage =
  | { role: "system" | "developer"; content: string | ContentPart[]; name?: string }
  | { role: "user"; content: string | ContentPart[]; name?: string }
  | {
      role: "assistant";
      content?: string | ContentPart[] | null;
      name?: string;
      tool_calls?: Array<{
        id: string;
        type: "function";
        function: { name: string; arguments: string };
      }>;
    }
  | { role: "tool"; content: string | ContentPart[]; tool_call_id: string };

export interface ToolDefinition {
  type: "function";
  function: {
    name: string;
    description?: string;
    parameters?: Record<string, unknown>;
    strict?: boolean;
  };
}

/** How the server emits reasoning (as in the gateway's backend config). */
export type ReasoningMode = "auto" | "think-open";

export interface ChatParams {
  model: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  tool_choice?: "auto" | "none" | "required" | { type: "function"; function: { name: string } };
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  stop?: string | string[];
  seed?: number;
  /** Thinkgate's extension: how the gateway writes reasoning out. The SDK reads every shape. */
  reasoning_format?: "reasoning_content" | "reasoning" | "think_tags" | "none";
  [extension: string]: unknown;
}
