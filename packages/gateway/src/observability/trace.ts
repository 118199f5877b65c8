import type { AttemptRecord } from "../router/attempt-log.js";

/**
 * What one request did, filled in by each pipeline step and written out as the request's one
 * log line. Holds no prompt text and no secrets.
 */
export interface Trace {
  /** The gateway's own id: logged, sent upstream, in the response's x-request-id. */
  requestId: string;
  /** The client's x-request-id, when it sent a sane one: logged beside ours. */
  clientRequestId?: string;
  /** performance.now() at arrival: durations are measured on a monotonic clock. */
  startedAt: number;
  tenant?: string;
  keyId?: string;
  model?: string;
  backend?: string;
  /** Requests sent upstream (skipped backends not counted). */
  attempts: number;
  /** Every backend tried or passed over, in order, with how it went. */
  attemptLog: AttemptRecord[];
  /** Upstream time until its first bytes (ms). */
  upstreamMs?: number;
  /** Time from arrival to the first reasoning/content/tool event (ms). */
  ttftMs?: number;
  promptTokens?: number;
  completionTokens?: number;
  reasoningTokens?: number;
  usageEstimated?: boolean;
  /** How a streamed response ended. */
  outcome?: "done" | "error" | "aborted";
  errorCode?: string | null;
  /** What broke when the gateway itself failed (a bug): error name and message only. */
  internalError?: string;
  /** Set while a response body is still streaming; the log line waits for it. */
  finished?: Promise<void>;
}
