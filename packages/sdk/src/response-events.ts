import { type NormalizerOptions, normalizeSSE } from "@thinkgate/core";
import type { Attempt } from "./attempt.js";
import { APIConnectionError } from "./errors.js";
import { EventTranslator } from "./event-translator.js";
import type { ChatEvent } from "./events.js";

/**
 * An SSE response body → the SDK's events, through core's normalizer: the same events whether
 * the server is Thinkgate or a backend that spells reasoning its own way.
 */
export async function* responseEvents(
  response: Response,
  attempt: Attempt,
  options: NormalizerOptions,
): AsyncGenerator<ChatEvent> {
  if (!response.body) throw new APIConnectionError("The response has no body.");
  const reader = response.body.pipeThrough(normalizeSSE(options)).getReader();
  const translator = new EventTranslator();
  try {
    while (true) {
      attempt.arm();
      let read: ReadableStreamReadResult<import("@thinkgate/core").StreamEvent>;
      try {
        read = await reader.read();
      } catch (error) {
        throw attempt.errorFor(error);
      }
      attempt.disarm();
      if (read.done) return;
      yield* translator.push(read.value);
    }
  } finally {
    attempt.dispose();
    reader.cancel().catch(() => {});
  }
}
