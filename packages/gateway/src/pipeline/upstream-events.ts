import {
  type ErrorBody,
  type ReasoningMode,
  SSENormalizer,
  type StreamEvent,
  type Usage,
} from "@thinkgate/core";
import type { Connected } from "../upstream/call.js";
import { clientErrorEvent } from "../upstream/error-map.js";
import type { EventSource } from "./events.js";
import { textTokens } from "./token-estimate.js";

export interface TokenCounts {
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  /** The upstream reported no usage: counted from the text and deltas received. */
  estimated: boolean;
}

export interface StreamEnd {
  outcome: "done" | "error" | "aborted";
  tokens: TokenCounts;
  error?: ErrorBody;
}

export interface UpstreamEventsOptions {
  backend: string;
  reasoning: ReasoningMode;
  tools: boolean;
  idleTimeoutMs: number;
  /** Longest a stream may last, first event to last; past it the stream is cut. */
  maxStreamMs: number;
  /** Most text (reasoning, content, tool calls, every choice) one stream may carry. */
  maxOutputChars: number;
  /** Prompt size estimate, used when the upstream reports no usage. */
  promptTokens: number;
  onFirstToken(): void;
  /** Called exactly once: the stream finished, failed, or its reader went away. */
  onEnd(end: StreamEnd): void;
}

const noop = () => {};

/**
 * The normalized events of a connected upstream, with the guarantees the client relies on:
 * the stream always ends in exactly one `done` or `error` event; a silent upstream (idle
 * timeout) or a broken connection becomes an error event, never a hang or a clean end; a
 * usage event precedes `done` even when the upstream reported none (estimated, and marked
 * so); cancelling this stream cancels the upstream request at once.
 */
export function upstreamEvents(conn: Connected, options: UpstreamEventsOptions): EventSource {
  let lastActivity = performance.now();
  // The upstream's bytes go straight from its reader through the synchronous normalizer: no
  // byte stream or TransformStream in between, so each chunk costs one read, not three stages.
  // A connection held for its first event (router/first-event.ts) comes with the normalizer
  // that read it and the events it produced so far: carry on from there.
  const primed = conn.primed;
  const sse =
    primed?.sse ?? new SSENormalizer({ reasoning: options.reasoning, tools: options.tools });
  let head: ReadableStreamReadResult<Uint8Array> | null = primed ? null : conn.first;
  let pending: StreamEvent[] | null = primed && primed.events.length > 0 ? primed.events : null;
  let bodyOver = primed?.ended ?? false;
  // The next events, or null when the upstream's body is over (or broken) without a last event.
  const nextEvents = async (): Promise<StreamEvent[] | null> => {
    if (pending) {
      const events = pending;
      pending = null;
      return events;
    }
    for (;;) {
      if (bodyOver) return null;
      const read = head ?? (await conn.reader.read());
      head = null;
      if (cut) return null;
      bodyOver = read.done;
      const parsed = sse.dataEvents;
      const events = read.done ? sse.end() : sse.feed(read.value);
      // Silence is measured in parsed data, not bytes and not emitted events: a backend that
      // stalls behind ": keep-alive" comments is alive in bytes, dead in data, and must time
      // out; one streaming a long Hermes tool call (held back, no events yet) is alive.
      if (sse.dataEvents !== parsed) lastActivity = performance.now();
      if (events.length > 0) return events;
    }
  };

  // One timer for the whole stream, re-armed only when it fires: no per-chunk timer work. It
  // watches both silence and the stream's total duration.
  // Set when the timer ends the stream: why, for the next read's error event.
  let cut: { error: ErrorBody; status: number } | null = null;
  const deadline = performance.now() + options.maxStreamMs;
  const checkIdle = () => {
    const now = performance.now();
    const quiet = now - lastActivity;
    if (quiet >= options.idleTimeoutMs || now >= deadline) {
      cut =
        now >= deadline
          ? { error: tooLongError(options.backend, options.maxStreamMs), status: 504 }
          : { error: idleError(options.backend, options.idleTimeoutMs), status: 504 };
      // Ended here, not at the next read: a stream nobody reads any more must still let go of
      // its upstream, its lease and its log line. A later read gets the error event.
      end("error", cut.error);
    } else timer = setTimeout(checkIdle, Math.min(options.idleTimeoutMs - quiet, deadline - now));
  };
  let timer = setTimeout(checkIdle, Math.min(options.idleTimeoutMs, options.maxStreamMs));

  // Without the upstream's usage (the stream ended before its last chunk), what was generated
  // is estimated two ways and the larger counts: the text's weight (token-estimate.ts, which
  // does not undercount Chinese) and the number of deltas, each at least one token on vLLM,
  // SGLang and DashScope. The client cannot make either smaller by choosing when to leave.
  let reasoningWeight = 0;
  let reasoningDeltas = 0;
  let otherWeight = 0;
  let otherDeltas = 0;
  // Characters generated, for the backend's maxOutputChars.
  let outputChars = 0;
  let firstToken = false;
  let usage: Usage | undefined;
  let ended = false;

  const tokens = (): TokenCounts => {
    const reasoningEstimate = Math.max(Math.ceil(reasoningWeight), reasoningDeltas);
    if (usage) {
      const reported = usage.completion_tokens_details?.reasoning_tokens;
      return {
        promptTokens: usage.prompt_tokens,
        completionTokens: usage.completion_tokens,
        reasoningTokens:
          typeof reported === "number"
            ? reported
            : Math.min(reasoningEstimate, usage.completion_tokens),
        estimated: usage.estimated === true,
      };
    }
    return {
      promptTokens: options.promptTokens,
      completionTokens: reasoningEstimate + Math.max(Math.ceil(otherWeight), otherDeltas),
      reasoningTokens: reasoningEstimate,
      estimated: true,
    };
  };
  const end = (outcome: StreamEnd["outcome"], error?: ErrorBody) => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    conn.release();
    if (outcome !== "done") conn.reader.cancel(outcome).catch(noop);
    options.onEnd(error ? { outcome, tokens: tokens(), error } : { outcome, tokens: tokens() });
  };
  // A batch that ends the stream: its events, then nothing more.
  let over = false;
  const last = (batch: StreamEvent[]): StreamEvent[] => {
    over = true;
    return batch;
  };
  const fail = (error: ErrorBody, status: number, batch: StreamEvent[] = []): StreamEvent[] => {
    batch.push({ type: "error", error, status });
    end("error", error);
    return last(batch);
  };

  return {
    async next() {
      if (over) return null;
      let events: StreamEvent[] | null;
      try {
        events = await nextEvents();
      } catch {
        // A read fails when the connection breaks, and also when the client leaves (its
        // signal aborts the upstream call); then the client's cancel is a few promise jobs
        // behind. Let it arrive, so a client leaving is recorded as that, not as a broken
        // upstream. Reads fail rarely; the wait costs nothing per chunk.
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (ended && !cut) return null;
        events = null;
      }
      if (over) return null;
      if (cut) return fail(cut.error, cut.status);
      if (events === null) return fail(truncatedError(options.backend), 502);
      if (ended) return null; // cancelled while the read was pending
      for (let i = 0; i < events.length; i++) {
        const ev = events[i]!;
        switch (ev.type) {
          case "reasoning":
            reasoningWeight += textTokens(ev.text);
            outputChars += ev.text.length;
            if (ev.text.length > 0) reasoningDeltas++;
            break;
          case "content":
            otherWeight += textTokens(ev.text);
            outputChars += ev.text.length;
            if (ev.text.length > 0) otherDeltas++;
            break;
          case "tool_call":
            otherWeight += textTokens(ev.arguments) + textTokens(ev.name ?? "");
            outputChars += ev.arguments.length + (ev.name?.length ?? 0);
            otherDeltas++;
            break;
          case "usage":
            usage = ev.usage;
            break;
          case "done": {
            const batch = events.slice(0, i);
            if (!usage) batch.push({ type: "usage", usage: estimatedUsage(tokens()) });
            batch.push(ev);
            end("done");
            return last(batch);
          }
          case "error": {
            // What the upstream wrote goes to the client only mapped and scrubbed.
            const shown = clientErrorEvent(ev, options.backend);
            const batch = events.slice(0, i);
            batch.push(shown);
            end("error", shown.error);
            return last(batch);
          }
        }
        if (outputChars > options.maxOutputChars) {
          // Cut here: the events so far go out, then the error; the upstream is cancelled and
          // the stream settles with what it generated.
          return fail(
            tooLargeError(options.backend, options.maxOutputChars),
            502,
            events.slice(0, i + 1),
          );
        }
        if (
          !firstToken &&
          (ev.type === "reasoning" || ev.type === "content" || ev.type === "tool_call")
        ) {
          firstToken = true;
          options.onFirstToken();
        }
      }
      return events;
    },
    cancel() {
      end("aborted");
    },
  };
}

function estimatedUsage(t: TokenCounts): Usage {
  return {
    prompt_tokens: t.promptTokens,
    completion_tokens: t.completionTokens,
    total_tokens: t.promptTokens + t.completionTokens,
    completion_tokens_details: { reasoning_tokens: t.reasoningTokens },
    estimated: true,
  };
}

function idleError(backend: string, ms: number): ErrorBody {
  return {
    message: `Upstream ${backend} sent nothing for ${ms} ms; the stream was ended.`,
    type: "upstream_error",
    param: null,
    code: "upstream_idle_timeout",
  };
}

/** The backend's `maxStreamMs` ran out: the gateway ended a stream that was still going. */
function tooLongError(backend: string, ms: number): ErrorBody {
  return {
    message: `The answer from upstream ${backend} took longer than ${ms} ms; the stream was ended.`,
    type: "upstream_error",
    param: null,
    code: "stream_too_long",
  };
}

/** The backend's `maxOutputChars` was reached: the gateway ended the stream there. */
function tooLargeError(backend: string, chars: number): ErrorBody {
  return {
    message: `The answer from upstream ${backend} exceeded ${chars} characters; the stream was ended.`,
    type: "upstream_error",
    param: null,
    code: "output_too_large",
  };
}

function truncatedError(backend: string): ErrorBody {
  return {
    message: `The connection to upstream ${backend} was lost mid-stream.`,
    type: "upstream_error",
    param: null,
    code: "stream_truncated",
  };
}
