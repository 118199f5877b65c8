import type { StreamEvent } from "@thinkgate/core";
import type { EventSource } from "../pipeline/events.js";
import type { Generated } from "./continuation.js";

export interface ResumeOptions {
  /**
   * Opens the continuation of a broken answer elsewhere; null when no backend can continue it
   * (the break then reaches the client as its error event, as without resuming).
   */
  resume(generated: Generated): Promise<EventSource | null>;
  /** How many times one answer may be resumed. */
  maxResumes: number;
  /** Called once, when the whole answer is over (every stream ended). */
  onEnd(): void;
}

// Breaks of the connection, not the model refusing: worth continuing elsewhere.
const resumable = new Set(["stream_truncated", "upstream_idle_timeout"]);
// The gateway's own limits: continuing elsewhere would only go past them.
const final = new Set(["stream_too_long", "output_too_large"]);
// A continuation's own opening: the client already has one.
const opening = new Set<StreamEvent["type"]>(["start", "role"]);

/**
 * One answer out of several upstream streams: when the stream breaks mid-answer (a cut, an
 * idle timeout, a 5xx error event) the next one continues from what the client already has,
 * and the client sees one unbroken answer. Only single-choice text is resumed; once a tool
 * call has started, or when the model itself ended with an error, the error is passed on.
 */
export function resumableEvents(first: EventSource, options: ResumeOptions): EventSource {
  let current = first;
  const generated: Generated = { reasoning: "", content: "" };
  // Single-choice text only: a tool call or a second choice cannot be picked up elsewhere.
  let textOnly = true;
  let resumes = 0;
  let over = false; // the last event was handed out, or the reader left
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    options.onEnd();
  };

  const worthResuming = (ev: Extract<StreamEvent, { type: "error" }>) =>
    textOnly &&
    resumes < options.maxResumes &&
    (generated.reasoning !== "" || generated.content !== "") &&
    !final.has(ev.error.code ?? "") &&
    (resumable.has(ev.error.code ?? "") || (ev.status ?? 0) >= 500);

  return {
    async next() {
      for (;;) {
        if (over) return null;
        const batch = await current.next();
        if (over) return null;
        if (batch === null) {
          over = true;
          end();
          return null;
        }
        const out: StreamEvent[] = [];
        for (const ev of batch) {
          if (resumes > 0 && opening.has(ev.type)) continue;
          if (ev.type === "error" && worthResuming(ev)) {
            resumes++;
            const next = await options.resume({ ...generated }).catch(() => null);
            if (over) {
              // The client left while the continuation was being opened: close it at once.
              next?.cancel();
              return null;
            }
            if (next) {
              // An error event is always the last of its batch: read on from the next stream.
              current = next;
              break;
            }
          }
          if (ev.type === "reasoning" && ev.choice === 0) generated.reasoning += ev.text;
          else if (ev.type === "content" && ev.choice === 0) generated.content += ev.text;
          else if (ev.type === "tool_call" || ("choice" in ev && ev.choice !== 0)) textOnly = false;
          out.push(ev);
          if (ev.type === "done" || ev.type === "error") {
            over = true;
            end();
            return out;
          }
        }
        if (out.length > 0) return out;
      }
    },
    cancel(reason) {
      if (over) return;
      over = true;
      current.cancel(reason);
      end();
    },
  };
}
