import type { Answer } from "../answer.js";
import type { Step, StepStyle } from "../steps.js";

/** Who a response says it is: one id, timestamp and model for every chunk of a stream. */
export interface Identity {
  id: string;
  created: number; // seconds
  model: string;
}

/**
 * One backend's wire format as data plus pure functions. Objects are built in the backend's own
 * key order: JSON.stringify keeps insertion order, which is what makes the bytes match.
 */
export interface Dialect {
  name: string;
  prefix: string; // "/vllm/v1"
  defaultModel: string;
  style: StepStyle;
  sseContentType: string;
  newId(): string;
  toolCallId(): string;
  /**
   * The backend's own refusal of a well-formed request (DashScope: qwq-* without streaming), or
   * null. `request` is the parsed body; `model` is resolved (the default when absent).
   */
  refuse(model: string, request: Record<string, unknown>): { status: number; body: unknown } | null;
  /** One stream step as the chunk object to send, or null when this backend sends nothing. */
  chunk(step: Step, answer: Answer, who: Identity): unknown | null;
  completion(answer: Answer, who: Identity): unknown;
  /** The body of an HTTP error with this status; `message` overrides the canned one. */
  error(status: number, message?: string): unknown;
  /** The in-band error event a stream carries when generation fails after it started. */
  streamError(): unknown;
  /** The HTTP status of that error when a non-streaming request fails the same way. */
  streamErrorStatus: number;
  models(created: number): unknown;
}
