import { type RenderOptions, SSERenderer, type StreamEvent } from "@thinkgate/core";

const noop = () => {};

/**
 * A streaming client's response body: the answer's events rendered to SSE as the client reads
 * them. One pull-based stream with the synchronous renderer, not a TransformStream and a pipe
 * (a promise and a queue per chunk per stage). Cancelling it cancels the events, and so the
 * upstream; so does the client's signal, since a client that leaves before the server begins
 * writing is otherwise never noticed (the Node adapter watches the connection only once it
 * writes), and the stream, its upstream, lease and log line would wait forever.
 */
export function sseBody(
  events: ReadableStream<StreamEvent>,
  options: RenderOptions,
  signal: AbortSignal,
): ReadableStream<Uint8Array> {
  const sse = new SSERenderer(options);
  const encoder = new TextEncoder();
  const reader = events.getReader();
  let body: ReadableStreamDefaultController<Uint8Array> | undefined;
  let over = false;
  const finish = () => {
    over = true;
    signal.removeEventListener("abort", onAbort);
  };
  function onAbort() {
    if (over) return;
    finish();
    reader.cancel(signal.reason).catch(noop);
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
          let read: ReadableStreamReadResult<StreamEvent>;
          try {
            read = await reader.read();
          } catch (err) {
            if (over) return;
            finish();
            controller.error(err);
            return;
          }
          if (over) return;
          if (read.done) {
            finish();
            controller.close();
            return;
          }
          const text = sse.render(read.value);
          if (text) {
            controller.enqueue(encoder.encode(text));
            return;
          }
        }
      },
      cancel(reason) {
        if (over) return;
        finish();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
