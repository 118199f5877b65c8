// The wire format of `toReadableStream()` / `fromReadableStream()`: NDJSON, one ChatEvent per
// line, so a server route can pass a stream to a browser and the browser gets the same events.
// A failure travels as a last line `{"type":"error","error":{…},"status":…}`.
import { APIConnectionError, errorFor, ThinkgateError } from "./errors.js";
import type { ChatEvent } from "./events.js";

const eventTypes = new Set([
  "reasoning",
  "content",
  "tool_call_delta",
  "tool_call",
  "usage",
  "done",
]);

export function encodeEventLines(
  events: AsyncIterator<ChatEvent>,
  onCancel: () => void,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await events.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(`${JSON.stringify(next.value)}\n`));
      } catch (error) {
        const e = error instanceof ThinkgateError ? error : new ThinkgateError(String(error));
        const line = {
          type: "error",
          error: { message: e.message, type: e.type, code: e.code, param: e.param },
          status: e.status,
        };
        controller.enqueue(encoder.encode(`${JSON.stringify(line)}\n`));
        controller.close();
      }
    },
    // Not events.return(): it would wait behind a read in flight. Stopping the stream ends it.
    cancel: onCancel,
  });
}

export async function* decodeEventLines(
  stream: ReadableStream<Uint8Array>,
  signal: AbortSignal,
): AsyncGenerator<ChatEvent> {
  const reader = stream.getReader();
  const cancel = () => reader.cancel().catch(() => {});
  signal.addEventListener("abort", cancel, { once: true });
  const decoder = new TextDecoder();
  // The start of a line whose end has not arrived, in pieces: a long line in many reads is
  // joined once, not rescanned per read.
  let partial: string[] = [];
  try {
    while (true) {
      let read: ReadableStreamReadResult<Uint8Array>;
      try {
        read = await reader.read();
      } catch (error) {
        throw new APIConnectionError("The event stream broke.", { cause: error });
      }
      const text = read.done ? decoder.decode() : decoder.decode(read.value, { stream: true });
      let start = 0;
      for (let end = text.indexOf("\n"); end >= 0; end = text.indexOf("\n", start)) {
        partial.push(text.slice(start, end));
        const ev = parseLine(partial.join(""));
        partial = [];
        start = end + 1;
        if (ev) yield ev;
      }
      if (start < text.length) partial.push(text.slice(start));
      if (read.done) {
        const ev = parseLine(partial.join(""));
        if (ev) yield ev;
        return;
      }
    }
  } finally {
    signal.removeEventListener("abort", cancel);
    cancel();
  }
}

function parseLine(line: string): ChatEvent | null {
  if (line.trim() === "") return null;
  let value: { type?: unknown; error?: { message?: string }; status?: number };
  try {
    value = JSON.parse(line);
  } catch {
    throw new ThinkgateError(`Not an event line: ${line.slice(0, 100)}`, {
      error: { code: "invalid_event", type: "invalid_response_error" },
    });
  }
  if (value?.type === "error") return throwError(value);
  // Unknown types come from a newer SDK on the other side: skip them, don't fail.
  return typeof value?.type === "string" && eventTypes.has(value.type)
    ? (value as ChatEvent)
    : null;
}

function throwError(value: { error?: { message?: string }; status?: number }): never {
  throw errorFor(value.status ?? undefined, value.error ?? { message: "Stream failed" });
}
