import { normalizeSSE, type ReasoningMode, type StreamEvent } from "@thinkgate/core";
import { ApiError } from "../errors/api-error.js";
import { type Connected, clientGone } from "../upstream/call.js";
import { firstByteTimeout, type UpstreamFailure } from "../upstream/error-map.js";

export interface HoldOptions {
  backend: string;
  reasoning: ReasoningMode;
  tools: boolean;
  /** Time left for the first event, ms. */
  timeoutMs: number;
  /** The first-byte timeout as configured, for the error message. */
  firstByteTimeoutMs: number;
  clientSignal: AbortSignal;
}

export type HoldResult = { ok: true; conn: Connected } | ({ ok: false } & UpstreamFailure);

// Identity and role arrive before anything a client would act on; they decide nothing.
const preamble = new Set<StreamEvent["type"]>(["start", "role"]);

/**
 * Holds a connected upstream until its first real event, so a 200 whose stream opens with an
 * error (or breaks, or says nothing until the first-byte timeout) still counts as a failure and
 * the request can move on. The bytes read meanwhile are kept (a tee) and handed on unchanged:
 * the returned connection reads exactly what the upstream sent, from the start.
 */
export async function holdFirstEvent(conn: Connected, options: HoldOptions): Promise<HoldResult> {
  const bytes = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (conn.first.done) controller.close();
        else controller.enqueue(conn.first.value);
      },
      async pull(controller) {
        const read = await conn.reader.read();
        if (read.done) controller.close();
        else controller.enqueue(read.value);
      },
      cancel(reason) {
        return conn.reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  const [peek, keep] = bytes.tee();
  const events = peek
    .pipeThrough(normalizeSSE({ reasoning: options.reasoning, tools: options.tools }))
    .getReader();

  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), Math.max(0, options.timeoutMs));
  });
  const firstEvent = async (): Promise<StreamEvent | null> => {
    for (;;) {
      const read = await events.read();
      if (read.done) return null;
      if (!preamble.has(read.value.type)) return read.value;
    }
  };

  let first: StreamEvent | null | "timeout" | "broken";
  try {
    first = await Promise.race([firstEvent(), timedOut]);
  } catch {
    first = "broken";
  } finally {
    clearTimeout(timer);
  }

  const discard = () => {
    // Straight to the upstream's reader: a tee cancels its source only once both branches
    // have, and the peek branch's pipe does so on its own schedule.
    conn.reader.cancel().catch(() => {});
    events.cancel().catch(() => {});
    keep.cancel().catch(() => {});
    conn.release();
  };
  if (first === null || first === "broken" || first === "timeout" || first.type === "error") {
    discard();
    if (options.clientSignal.aborted) throw clientGone();
    if (first === "timeout")
      return { ok: false, ...firstByteTimeout(options.backend, options.firstByteTimeoutMs) };
    return { ok: false, error: firstEventError(options.backend, first), retryable: true };
  }
  // The peek branch has done its job; the kept branch holds every byte read so far.
  events.cancel().catch(() => {});
  const reader = keep.getReader();
  const head = await reader.read();
  return { ok: true, conn: { ok: true, reader, first: head, release: conn.release } };
}

function firstEventError(backend: string, first: StreamEvent | null | "broken"): ApiError {
  const detail =
    first !== null && first !== "broken" && first.type === "error"
      ? `its stream opened with an error: ${first.error.message.slice(0, 200)}`
      : "its stream ended before the first event";
  return new ApiError(502, {
    message: `Upstream ${backend} failed: ${detail}`,
    type: "upstream_error",
    param: null,
    code: "upstream_stream_error",
  });
}
