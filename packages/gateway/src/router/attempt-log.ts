/**
 * One try at one backend, as it appears in the request's log line (in order). `skipped` means
 * the backend was passed over without a request: open circuit, its Retry-After, or full.
 */
export interface AttemptRecord {
  backend: string;
  outcome: "served" | "failed" | "skipped";
  /** The status the failure maps to (what the client would have seen), when it failed. */
  status?: number;
  /** Why it failed or was skipped, e.g. "upstream_unreachable", "circuit_open", "at_capacity". */
  code?: string;
  /**
   * What the upstream itself said, when it said something: its message with credentials
   * removed (hosts and paths kept for the operator; the client got a scrubbed message).
   */
  detail?: string;
  /** Time spent on it, ms (0 for skips). */
  ms: number;
}
