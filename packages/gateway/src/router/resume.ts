import type { StreamEvent } from "@thinkgate/core";
import type { Generated } from "./continuation.js";

export interface ResumeOptions {
  /**
   * Opens the continuation of a broken answer elsewhere; null when no backend can continue it
   * (the break then reaches the client as its error event, as without resuming).
   */
  resume(generated: Generated): Promise<ReadableStream<StreamEvent> | null>;
  /** How many times one answer may be resumed. */
  maxResumes: number;
  /** Called once, when the whole answer is over (every stream ended). */
  onEnd(): void;
}

// Breaks of the connection, not the model refusing: worth continuing elsewhere.
const resumable = new Set(["stream_truncated", "upstream_idle_timeout"]);
// A continuation's own opening: the client already has one.
const opening = new Set<StreamEvent["type"]>(["start", "role"]);

/**
 * One answer out of several upstream streams: when the stream breaks mid-answer (a cut, an
 * idle timeout, a 5xx error event) the next one continues from what the client already has,
 * and the client sees one unbroken answer. Only single-choice text is resumed; once a tool
 * call has started, or when the model itself ended with an error, the error is passed on.
 */
export function resumableEvents(
  first: ReadableStream<StreamEvent>,
  options: ResumeOptions,
): ReadableStream<StreamEvent> {
  let current = first.getReader();
  const generated: Generated = { reasoning: "", content: "" };
  // Single-choice text only: a tool call or a second choice cannot be picked up elsewhere.
  let textOnly = true;
  let resumes = 0;
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
    (resumable.has(ev.error.code ?? "") || (ev.status ?? 0) >= 500);

  return new ReadableStream<StreamEvent>(
    {
      async pull(controller) {
        for (;;) {
          const { done, value: ev } = await current.read();
          if (done) {
            controller.close();
            return end();
          }
          if (resumes > 0 && opening.has(ev.type)) continue;
          if (ev.type === "error" && worthResuming(ev)) {
            resumes++;
            const next = await options.resume({ ...generated }).catch(() => null);
            if (ended) {
              // The client left while the continuation was being opened: close it at once.
              await next?.cancel().catch(() => {});
              return;
            }
            if (next) {
              current = next.getReader();
              continue;
            }
          }
          if (ev.type === "reasoning" && ev.choice === 0) generated.reasoning += ev.text;
          else if (ev.type === "content" && ev.choice === 0) generated.content += ev.text;
          else if (ev.type === "tool_call" || ("choice" in ev && ev.choice !== 0)) textOnly = false;
          controller.enqueue(ev);
          if (ev.type === "done" || ev.type === "error") {
            controller.close();
            return end();
          }
          return;
        }
      },
      async cancel(reason) {
        await current.cancel(reason).catch(() => {});
        end();
      },
    },
    { highWaterMark: 0 },
  );
}
