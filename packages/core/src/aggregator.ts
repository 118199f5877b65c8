// Normalized events → one non-streaming chat.completion: how Thinkgate answers a
// `stream: false` request from a backend it always streams from.
import { type RenderOptions, THINK_CLOSE, THINK_OPEN } from "./chunk-renderer.js";
import type {
  ChatCompletion,
  ErrorBody,
  FinishReason,
  StreamEvent,
  ToolCall,
  Usage,
} from "./types.js";

interface ChoiceParts {
  reasoning: string;
  content: string;
  toolCalls: Map<number, ToolCall>;
  finish: FinishReason | null;
}

export type AggregateResult =
  | { ok: true; completion: ChatCompletion }
  | { ok: false; error: ErrorBody; status?: number; retryAfter?: number };

export class Aggregator {
  #id = "";
  #model = "";
  #created = Math.floor(Date.now() / 1000);
  readonly #choices = new Map<number, ChoiceParts>();
  #usage: Usage | undefined;
  #failure: { error: ErrorBody; status?: number; retryAfter?: number } | null = null;

  readonly #options: RenderOptions;

  constructor(options: RenderOptions) {
    this.#options = options;
  }

  push(ev: StreamEvent): void {
    if (this.#failure) return;
    switch (ev.type) {
      case "start":
        this.#id = ev.id;
        this.#model = ev.model;
        this.#created = ev.created;
        return;
      case "role":
        this.#choice(ev.choice);
        return;
      case "reasoning":
        this.#choice(ev.choice).reasoning += ev.text;
        return;
      case "content":
        this.#choice(ev.choice).content += ev.text;
        return;
      case "tool_call": {
        const calls = this.#choice(ev.choice).toolCalls;
        const call = calls.get(ev.index);
        if (!call) {
          calls.set(ev.index, {
            id: ev.id ?? "",
            type: "function",
            function: { name: ev.name ?? "", arguments: ev.arguments },
          });
        } else {
          if (ev.id) call.id = ev.id;
          if (ev.name) call.function.name += ev.name;
          call.function.arguments += ev.arguments;
        }
        return;
      }
      case "finish":
        this.#choice(ev.choice).finish = ev.reason;
        return;
      case "usage":
        this.#usage = ev.usage;
        return;
      case "error":
        this.#failure = { error: ev.error };
        if (ev.status !== undefined) this.#failure.status = ev.status;
        if (ev.retryAfter !== undefined) this.#failure.retryAfter = ev.retryAfter;
        return;
      default:
        return;
    }
  }

  result(): AggregateResult {
    if (this.#failure) return { ok: false, ...this.#failure };
    if (this.#choices.size === 0) this.#choice(0);
    const format = this.#options.format ?? "reasoning_content";
    const choices = [...this.#choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, parts]) => {
        const reasoning = parts.reasoning || null;
        let content: string | null = parts.content || null;
        const message: ChatCompletion["choices"][number]["message"] = {
          role: "assistant",
          content,
        };
        if (format === "reasoning_content") message.reasoning_content = reasoning;
        else if (format === "reasoning") message.reasoning = reasoning;
        else if (format === "think_tags" && reasoning !== null) {
          content = THINK_OPEN + reasoning + THINK_CLOSE + (content ?? "");
          message.content = content;
        }
        if (parts.toolCalls.size > 0) {
          message.tool_calls = [...parts.toolCalls.entries()]
            .sort(([a], [b]) => a - b)
            .map(([, c]) => c);
        }
        return { index, message, finish_reason: parts.finish, logprobs: null };
      });
    const completion: ChatCompletion = {
      id: this.#options.id ?? this.#id,
      object: "chat.completion",
      created: this.#options.created ?? this.#created,
      model: this.#options.model ?? this.#model,
      choices,
    };
    if (this.#usage) completion.usage = this.#usage;
    return { ok: true, completion };
  }

  #choice(index: number): ChoiceParts {
    let parts = this.#choices.get(index);
    if (!parts) {
      parts = { reasoning: "", content: "", toolCalls: new Map(), finish: null };
      this.#choices.set(index, parts);
    }
    return parts;
  }
}
