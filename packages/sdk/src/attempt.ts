import {
  APIConnectionError,
  APITimeoutError,
  APIUserAbortError,
  ThinkgateError,
} from "./errors.js";

/**
 * One try at a request: its own AbortController (so a timeout can end this try and leave the
 * next one free) linked to the caller's, and a watchdog that fires if nothing arrives for
 * `timeoutMs`: no response headers, or no bytes for that long mid-stream.
 */
export class Attempt {
  readonly #controller = new AbortController();
  readonly #parent: AbortSignal;
  readonly #timeoutMs: number;
  readonly #onParentAbort = () => this.#controller.abort(this.#parent.reason);
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timedOut = false;

  constructor(parent: AbortSignal, timeoutMs: number) {
    this.#parent = parent;
    this.#timeoutMs = timeoutMs;
    if (parent.aborted) this.#controller.abort(parent.reason);
    else parent.addEventListener("abort", this.#onParentAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** (Re)starts the watchdog: call before waiting for the server. */
  arm(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#controller.abort(new APITimeoutError());
    }, this.#timeoutMs);
    // Node: a pending watchdog alone must not keep a process alive (the socket does that).
    (this.#timer as { unref?: () => void }).unref?.();
  }

  disarm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Ends the attempt: stops the watchdog, releases the link to the caller's signal. */
  dispose(): void {
    this.disarm();
    this.#parent.removeEventListener("abort", this.#onParentAbort);
  }

  /** What a failed fetch or read means for the caller. */
  errorFor(error: unknown): ThinkgateError {
    if (this.#timedOut) return new APITimeoutError();
    if (this.#parent.aborted) {
      const reason = this.#parent.reason;
      return reason instanceof ThinkgateError ? reason : new APIUserAbortError();
    }
    if (error instanceof ThinkgateError) return error;
    return new APIConnectionError(`Connection error: ${describe(error)}`, { cause: error });
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}
