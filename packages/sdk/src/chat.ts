import type { ChatMessage, ChatParams, ReasoningMode } from "./chat-params.js";
import { ChatStream } from "./chat-stream.js";
import type { ChatResult } from "./events.js";
import { linkSignal } from "./link-signal.js";
import { responseEvents } from "./response-events.js";
import { type RequestOptions, send, type TransportConfig } from "./transport.js";

export interface ChatRequestOptions extends RequestOptions {
  /** How the server emits reasoning; defaults to the client's `reasoning` option. */
  reasoning?: ReasoningMode;
}

export class Chat {
  readonly #config: TransportConfig;
  readonly #reasoning: ReasoningMode;

  constructor(config: TransportConfig, reasoning: ReasoningMode) {
    this.#config = config;
    this.#reasoning = reasoning;
  }

  /** Starts a streaming chat completion; read the returned stream once. */
  stream(params: ChatParams, options: ChatRequestOptions = {}): ChatStream {
    const controller = new AbortController();
    linkSignal(options.signal, controller);
    const body = {
      ...params,
      stream: true,
      // Always ask for usage, so final() has it.
      stream_options: { ...(params.stream_options as object | undefined), include_usage: true },
    };
    // Sent now, not on first read: the request is on its way while the caller sets up.
    const opened = send(
      this.#config,
      { method: "POST", path: "/chat/completions", body, accept: "text/event-stream" },
      options,
      controller.signal,
    );
    opened.catch(() => {}); // surfaced by the stream's first read
    // Aborted before anyone read it: nobody will run the body reader that ends the attempt.
    controller.signal.addEventListener(
      "abort",
      () =>
        opened.then(
          ({ attempt }) => attempt.dispose(),
          () => {},
        ),
      { once: true },
    );
    const normalizer = {
      reasoning: options.reasoning ?? this.#reasoning,
      tools: Array.isArray(params.tools) && params.tools.length > 0,
    };
    async function* events() {
      const { response, attempt } = await opened;
      yield* responseEvents(response, attempt, normalizer);
    }
    return new ChatStream(events(), controller);
  }

  /**
   * A whole chat completion. It streams underneath and aggregates, so it also works against
   * stream-only models (DashScope's QwQ).
   */
  create(params: ChatParams, options: ChatRequestOptions = {}): Promise<ChatResult> {
    return this.stream(params, options).final();
  }
}

export type { ChatMessage };
