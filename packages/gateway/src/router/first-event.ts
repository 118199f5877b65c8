import { type ReasoningMode, SSENormalizer, type StreamEvent } from "@thinkgate/core";
import { ApiError } from "../errors/api-error.js";
import { type Connected, clientGone } from "../upstream/call.js";
import { firstByteTimeout, mapInBandError, type UpstreamFailure } from "../upstream/error-map.js";

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
const isReal = (ev: StreamEvent): boolean => !preamble.has(ev.type);

/**
 * Holds a connected upstream until its first real event, so a 200 whose stream opens with an
 * error (or breaks, or says nothing until the first-byte timeout) still counts as a failure and
 * the request can move on. What was read meanwhile goes on with the connection as parsed events
 * and the normalizer that parsed them (`primed`), followed by the upstream's own reader: the
 * pipeline sees exactly what was sent, and after the first event the hold costs nothing.
 */
export async function holdFirstEvent(conn: Connected, options: HoldOptions): Promise<HoldResult> {
  // The synchronous normalizer: no streams to build per request, and nothing to abort (an abort
  // is an exception). It and every event it produced go on with the connection, so the
  // pipeline carries on from here and nothing read so far is parsed twice.
  const sse = new SSENormalizer({ reasoning: options.reasoning, tools: options.tools });
  const events: StreamEvent[] = [];
  let ended = false;
  let stopped = false;

  // "held": the upstream is sending text the normalizer holds back for now (a Hermes tool call
  // that opens the answer): the model is answering, which is all the hold waits for.
  const firstEvent = async (): Promise<StreamEvent | "held" | null> => {
    let chunk = conn.first;
    while (!stopped) {
      ended = chunk.done;
      const found = chunk.done ? sse.end() : sse.feed(chunk.value);
      for (const ev of found) events.push(ev);
      const real = found.find(isReal);
      if (real) return real;
      if (chunk.done) return null;
      if (sse.textReceived > 0) return "held";
      chunk = await conn.reader.read();
    }
    return null;
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), Math.max(0, options.timeoutMs));
  });
  let first: StreamEvent | "held" | null | "timeout" | "broken";
  try {
    first = await Promise.race([firstEvent(), timedOut]);
  } catch {
    first = "broken";
  } finally {
    stopped = true;
    clearTimeout(timer);
  }

  if (
    first === null ||
    first === "broken" ||
    first === "timeout" ||
    (first !== "held" && first.type === "error")
  ) {
    conn.reader.cancel().catch(() => {});
    conn.release();
    if (options.clientSignal.aborted) throw clientGone();
    if (first === "timeout")
      return { ok: false, ...firstByteTimeout(options.backend, options.firstByteTimeoutMs) };
    if (first !== null && typeof first === "object" && first.fromUpstream)
      return { ok: false, ...mapInBandError(first.error, first.status, options.backend) };
    return {
      ok: false,
      error: firstEventError(options.backend, first),
      retryable: true,
      ambiguous: true,
    };
  }
  return { ok: true, conn: { ...conn, primed: { sse, events, ended } } };
}

/** The stream broke, or the normalizer refused what it sent, before its first event. */
function firstEventError(backend: string, first: StreamEvent | null | "broken"): ApiError {
  const detail =
    first !== null && first !== "broken" && first.type === "error"
      ? `its stream opened with an error: ${first.error.message}`
      : "its stream ended before the first event";
  return new ApiError(502, {
    message: `Upstream ${backend} failed: ${detail}`,
    type: "upstream_error",
    param: null,
    code: "upstream_stream_error",
  });
}
