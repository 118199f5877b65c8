// Normalized events → OpenAI chat.completion.chunk objects in the reasoning shape the client
// asked for (`reasoning_format`). One renderer per response: it remembers the identity and,
// for think_tags, which choices have an open <think> block.
import type { ChatCompletionChunk, ReasoningFormat, StreamEvent } from "./types.js";

export interface RenderOptions {
  /** The reasoning shape; the default is DashScope's "reasoning_content". */
  format: ReasoningFormat;
  /** Emit the usage-only chunk (the client sent stream_options.include_usage). */
  includeUsage?: boolean;
  /** Identity overrides (the gateway shows its public model name). */
  id?: string;
  model?: string;
  created?: number;
}

type Delta = ChatCompletionChunk["choices"][number]["delta"];

export const THINK_OPEN = "<think>\n";
export const THINK_CLOSE = "\n</think>\n\n";

export class ChunkRenderer {
  #id: string;
  #model: string;
  #created: number;
  readonly #format: ReasoningFormat;
  readonly #includeUsage: boolean;
  /** think_tags: choices whose <think> block is open. */
  readonly #open = new Set<number>();
  #prefix: string | null = null;
  readonly #options: RenderOptions;

  constructor(options: RenderOptions) {
    this.#options = options;
    this.#format = options.format ?? "reasoning_content";
    this.#includeUsage = options.includeUsage ?? false;
    this.#id = options.id ?? "";
    this.#model = options.model ?? "";
    this.#created = options.created ?? Math.floor(Date.now() / 1000);
  }

  /**
   * The JSON text every chunk starts with, up to the choices array: identity does not change
   * within a response, so renderSSE serializes it once instead of once per chunk.
   */
  jsonPrefix(): string {
    if (this.#prefix === null) {
      this.#prefix = `{"id":${JSON.stringify(this.#id)},"object":"chat.completion.chunk","created":${JSON.stringify(this.#created)},"model":${JSON.stringify(this.#model)},"choices":[`;
    }
    return this.#prefix;
  }

  render(ev: StreamEvent): ChatCompletionChunk[] {
    switch (ev.type) {
      case "start":
        this.#prefix = null;
        if (this.#options.id === undefined) this.#id = ev.id;
        if (this.#options.model === undefined) this.#model = ev.model;
        if (this.#options.created === undefined) this.#created = ev.created;
        return [];
      case "role":
        return [this.#chunk(ev.choice, { role: "assistant", content: "" })];
      case "reasoning":
        return this.#reasoning(ev.choice, ev.text);
      case "content":
        return [this.#chunk(ev.choice, { content: this.#closeThink(ev.choice) + ev.text })];
      case "tool_call": {
        const close = this.#closeThink(ev.choice);
        const call: NonNullable<Delta["tool_calls"]>[number] = { index: ev.index };
        if (ev.id !== undefined) {
          call.id = ev.id;
          call.type = "function";
        }
        call.function =
          ev.name !== undefined
            ? { name: ev.name, arguments: ev.arguments }
            : { arguments: ev.arguments };
        const delta: Delta = close
          ? { content: close, tool_calls: [call] }
          : { tool_calls: [call] };
        return [this.#chunk(ev.choice, delta)];
      }
      case "finish": {
        const close = this.#closeThink(ev.choice);
        return [this.#chunk(ev.choice, close ? { content: close } : {}, ev.reason)];
      }
      case "usage":
        if (!this.#includeUsage) return [];
        return [
          {
            id: this.#id,
            object: "chat.completion.chunk",
            created: this.#created,
            model: this.#model,
            choices: [],
            usage: ev.usage,
          },
        ];
      default:
        return [];
    }
  }

  #reasoning(choice: number, text: string): ChatCompletionChunk[] {
    switch (this.#format) {
      case "none":
        return [];
      case "reasoning":
        return [this.#chunk(choice, { reasoning: text })];
      case "think_tags": {
        if (this.#open.has(choice)) return [this.#chunk(choice, { content: text })];
        this.#open.add(choice);
        return [this.#chunk(choice, { content: THINK_OPEN + text })];
      }
      default:
        return [this.#chunk(choice, { content: null, reasoning_content: text })];
    }
  }

  /** think_tags: the text that closes an open block before the answer starts. */
  #closeThink(choice: number): string {
    if (!this.#open.has(choice)) return "";
    this.#open.delete(choice);
    return THINK_CLOSE;
  }

  #chunk(index: number, delta: Delta, finish: string | null = null): ChatCompletionChunk {
    return {
      id: this.#id,
      object: "chat.completion.chunk",
      created: this.#created,
      model: this.#model,
      choices: [{ index, delta, finish_reason: finish, logprobs: null }],
    };
  }
}
