import { Chat } from "./chat.js";
import type { ReasoningMode } from "./chat-params.js";
import { Models } from "./models.js";
import type { TransportConfig } from "./transport.js";

export interface ThinkgateOptions {
  /** The API root, e.g. `https://gw.example.com/v1` or `http://localhost:8000/v1` (vLLM). */
  baseURL: string;
  apiKey?: string;
  /** A fetch to use instead of the global one (proxies, tests, instrumented clients). */
  fetch?: typeof fetch;
  /** Milliseconds to wait for a response, and between chunks of a stream. Default 10 minutes. */
  timeout?: number;
  /** Retries before the first byte on network errors, 408/409/429/5xx. Default 2. */
  maxRetries?: number;
  defaultHeaders?: Record<string, string>;
  /**
   * How the server emits reasoning. `auto` (default) reads every known field and a leading
   * `<think>` block; `think-open` is for QwQ/R1 served without a reasoning parser, whose output
   * starts inside the think block.
   */
  reasoning?: ReasoningMode;
}

/** The client. Everything it does is plain `fetch` and Web streams. */
export class Thinkgate {
  readonly chat: Chat;
  readonly models: Models;

  constructor(options: ThinkgateOptions) {
    if (typeof options?.baseURL !== "string" || options.baseURL === "") {
      throw new TypeError("new Thinkgate({ baseURL }): baseURL is required, e.g. https://host/v1");
    }
    const fetchFn = options.fetch ?? globalThis.fetch;
    if (typeof fetchFn !== "function") {
      throw new TypeError("new Thinkgate(): no global fetch here; pass options.fetch");
    }
    const config: TransportConfig = {
      baseURL: options.baseURL,
      apiKey: options.apiKey,
      // Called unbound: some runtimes' fetch throws "Illegal invocation" as a method of an object.
      fetch: (input, init) => fetchFn(input, init),
      timeout: options.timeout ?? 10 * 60 * 1000,
      maxRetries: options.maxRetries ?? 2,
      defaultHeaders: options.defaultHeaders ?? {},
    };
    this.chat = new Chat(config, options.reasoning ?? "auto");
    this.models = new Models(config);
  }
}
