import {
  Normalizer,
  type NormalizerOptions,
  normalizeSSE,
  type StreamEvent,
} from "@thinkgate/core";
import type { Attempt } from "./attempt.js";
import { APIConnectionError } from "./errors.js";
import { EventTranslator } from "./event-translator.js";
import type { ChatEvent } from "./events.js";

/**
 * A chat response → the SDK's events, through core's normalizer: the same events whether the
 * server is Thinkgate or a backend that spells reasoning its own way. A server (or proxy) that
 * ignored `stream: true` and sent one JSON completion is read the same way.
 */
export async function* responseEvents(
  response: Response,
  attempt: Attempt,
  options: NormalizerOptions,
): AsyncGenerator<ChatEvent> {
  if (!response.body) throw new APIConnectionError("The response has no body.");
  const translator = new EventTranslator();
  if (response.headers.get("content-type")?.includes("application/json")) {
    let completion: unknown;
    try {
      completion = await response.json();
    } catch (error) {
      throw attempt.errorFor(error);
    } finally {
      attempt.dispose();
    }
    const normalizer = new Normalizer(options);
    for (const ev of [...normalizer.push(completion), ...normalizer.end()])
      yield* translator.push(ev);
    return;
  }
  const reader = response.body.pipeThrough(normalizeSSE(options)).getReader();
  try {
    while (true) {
      attempt.arm();
      let read: ReadableStreamReadResult<StreamEvent>;
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
