import { Normalizer } from "@thinkgate/core";
import type { ReasoningMode } from "./chat-params.js";
import { ChatStream } from "./chat-stream.js";
import { APIConnectionError, APIUserAbortError, errorFor, ThinkgateError } from "./errors.js";
import { EventTranslator } from "./event-translator.js";
import type { ChatEvent } from "./events.js";

/** What `fromOpenAI` needs of an `openai` stream: chunks, and (if present) its controller. */
export interface OpenAIChunkStream {
  [Symbol.asyncIterator](): AsyncIterator<object>;
  controller?: AbortController;
}

export interface FromOpenAIOptions {
  reasoning?: ReasoningMode;
  /** The request offered tools: turn Hermes `<tool_call>` text into tool calls. */
  tools?: boolean;
}

/**
 * An `openai` client's chat completion stream → a `ChatStream` with the same typed events,
 * for apps that already use `openai`. Works with any backend's reasoning fields.
 */
export function fromOpenAI(stream: OpenAIChunkStream, options: FromOpenAIOptions = {}): ChatStream {
  // Our own controller, forwarding to the openai stream's: openai-node aborts its controller
  // itself when a stream fails, and that must read as the failure, not as a user abort.
  const controller = new AbortController();
  controller.signal.addEventListener("abort", () => stream.controller?.abort(), { once: true });
  async function* events(): AsyncGenerator<ChatEvent> {
    const normalizer = new Normalizer({
      reasoning: options.reasoning ?? "auto",
      tools: options.tools ?? false,
    });
    const translator = new EventTranslator();
    try {
      for await (const chunk of stream) {
        for (const ev of normalizer.push(chunk)) yield* translator.push(ev);
      }
    } catch (error) {
      throw openAIError(error, controller.signal);
    }
    for (const ev of normalizer.end()) yield* translator.push(ev);
  }
  return new ChatStream(events(), controller);
}

/** openai-node's errors carry `status`, `error` and `headers`; read them structurally. */
function openAIError(error: unknown, signal: AbortSignal): ThinkgateError {
  if (error instanceof ThinkgateError) return error;
  const e = error as { status?: unknown; error?: unknown; message?: unknown; headers?: unknown };
  if (typeof e?.status === "number" || (e?.error && typeof e.error === "object")) {
    const body = (e.error ?? { message: String(e.message) }) as { message?: string };
    const headers = e.headers instanceof Headers ? e.headers : undefined;
    return errorFor(
      typeof e.status === "number" ? e.status : undefined,
      {
        ...body,
        message: body.message ?? String(e.message),
      },
      headers,
    );
  }
  // Checked after the error body: openai-node aborts its own controller when a stream fails.
  if (signal.aborted) return new APIUserAbortError();
  return new APIConnectionError(`The openai stream failed: ${String(e?.message ?? error)}`, {
    cause: error,
  });
}
