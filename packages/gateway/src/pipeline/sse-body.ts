import { type RenderOptions, SSERenderer } from "@thinkgate/core";
import { type EventSource, renderBatch } from "./events.js";

/**
 * A streaming client's response body: the answer's events rendered to SSE as the client reads
 * them, each batch (one upstream read) as one chunk, so one write. One pull-based stream with
 * the synchronous renderer, not a TransformStream and a pipe. Cancelling it cancels the events,
 * and so the upstream; so does the client's signal, since a client that leaves before the
 * server begins writing is otherwise never noticed (the Node adapter watches the connection
 * only once it writes), and the stream, its upstream, lease and log line would wait forever.
 */
export function sseBody(
  events: EventSource,
  options: RenderOptions,
  signal: AbortSignal,
): ReadableStream<Uint8Array> {
  const sse = new SSERenderer(options);
  const encoder = new TextEncoder();
  let body: ReadableStreamDefaultController<Uint8Array> | undefined;
  let over = false;
  const finish = () => {
    over = true;
    signal.removeEventListener("abort", onAbort);
  };
  function onAbort() {
    if (over) return;
    finish();
    events.cancel(signal.reason);
    body?.error(signal.reason);
  }

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        body = controller;
        if (signal.aborted) onAbort();
        else signal.addEventListener("abort", onAbort, { once: true });
      },
      async pull(controller) {
        for (;;) {
          const batch = await events.next();
          if (over) return;
          if (batch === null) {
            finish();
            controller.close();
            return;
          }
          const text = renderBatch(sse, batch);
          if (text) {
            controller.enqueue(encoder.encode(text));
            return;
          }
        }
      },
      cancel(reason) {
        if (over) return;
        finish();
        events.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
