import { type RenderOptions, SSERenderer } from "@thinkgate/core";
import { type EventSource, renderBatch } from "../pipeline/events.js";

/**
 * The parts of Node's ServerResponse the gateway uses (structural: no Node types needed, so
 * Worker bundles never import Node's): watching the client (http/client.ts) and writing a
 * stream straight to it (below).
 */
export interface NodeResponse {
  readonly destroyed: boolean;
  readonly writableFinished: boolean;
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(chunk: string): boolean;
  end(): unknown;
  destroy(): unknown;
  once(event: "drain" | "close", listener: () => void): unknown;
  off(event: "drain" | "close", listener: () => void): unknown;
}

/**
 * A streaming answer written straight to Node's response: each batch of events (one upstream
 * read) rendered and written as one chunk, the headers going out with the first one. No Web
 * stream between the events and the socket, and no reader loop in the adapter; backpressure
 * is the socket's own (wait for "drain"). The client's signal (aborted when the connection
 * closes early) cancels the events, and so the upstream.
 */
export function writeSSE(
  events: EventSource,
  render: RenderOptions,
  signal: AbortSignal,
  status: number,
  headers: Headers,
  res: NodeResponse,
): void {
  const sse = new SSERenderer(render);
  const head: Record<string, string> = {};
  headers.forEach((value, name) => {
    head[name] = value;
  });
  let over = false;
  const stop = () => {
    if (over) return;
    over = true;
    signal.removeEventListener("abort", stop);
    events.cancel(signal.reason);
  };
  if (signal.aborted || res.destroyed) {
    stop();
    return;
  }
  signal.addEventListener("abort", stop, { once: true });
  res.writeHead(status, head);

  const pump = async () => {
    for (;;) {
      const batch = await events.next();
      if (over) return;
      if (batch === null) break;
      const text = renderBatch(sse, batch);
      if (text && !res.write(text)) await drained(res);
    }
    over = true;
    signal.removeEventListener("abort", stop);
    res.end();
  };
  pump().catch(() => {
    stop();
    res.destroy();
  });
}

/** Until the socket takes more, or the connection is gone. */
function drained(res: NodeResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.once("drain", done);
    res.once("close", done);
  });
}
