import type { Principal } from "../store/types.js";

/** What a request tells the limiter before it starts. */
export interface AdmitRequest {
  principal: Principal;
  /** Tokens reserved up front (prompt estimate + max_tokens or a default). */
  estimatedTokens: number;
  requestId: string;
}

/** Token usage reported when a request ends (reasoning tokens are part of completion). */
export interface SettledUsage {
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
}

export interface Lease {
  /** OpenAI-style x-ratelimit-* headers for the response. */
  headers: Record<string, string>;
  /**
   * The request ended (completed, failed or aborted): release the concurrency slot and replace
   * the token reservation with the real usage. Idempotent; never throws.
   */
  settle(usage: SettledUsage | null): Promise<void>;
}

export type AdmitResult =
  | { ok: true; lease: Lease }
  | {
      ok: false;
      /** Which limit said no. */
      limit: "rpm" | "tpm" | "concurrency";
      retryAfterSeconds: number;
      headers: Record<string, string>;
      message: string;
    };

export interface Limiter {
  admit(req: AdmitRequest): Promise<AdmitResult>;
}
