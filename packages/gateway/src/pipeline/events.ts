import type { SSERenderer, StreamEvent } from "@thinkgate/core";

/**
 * How an answer's normalized events travel inside the gateway: pulled a batch at a time (all
 * the events of one upstream read), not one Web stream read per event. A stream per stage cost
 * a queue, a promise and a microtask per event per stage; a batch costs one promise per read.
 */
export interface EventSource {
  /**
   * The next events, never an empty batch; null once the answer is over. The last batch ends
   * with exactly one `done` or `error` event. Never rejects.
   */
  next(): Promise<StreamEvent[] | null>;
  /** The reader went away: let go of the upstream now. Safe to call at any time, repeatedly. */
  cancel(reason?: unknown): void;
}

/** A batch rendered as one piece of SSE text ("" when none of its events shows). */
export function renderBatch(sse: SSERenderer, batch: StreamEvent[]): string {
  let text = "";
  for (const ev of batch) text += sse.render(ev);
  return text;
}
