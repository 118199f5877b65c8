import { z } from "zod";

// The routing fields of the config file, wired into config/schema.ts. Defaults lean towards
// trying hard but never for long: three requests at most, a minute and a half in all.

const positiveInt = z.number().int().positive();

export const retrySchema = z.strictObject({
  /** Requests sent upstream at most per client request, over all targets. */
  maxAttempts: positiveInt.default(3),
  /** Overall time to the first event, every attempt and wait included. */
  budgetMs: positiveInt.default(90_000),
  /** Full-jitter backoff before retrying a backend already tried in the same request. */
  backoffBaseMs: positiveInt.default(250),
  backoffMaxMs: positiveInt.default(4_000),
  /**
   * A 429's Retry-After up to this long is waited out by the gateway; a longer one is passed
   * to the client (429 with Retry-After), whose SDK can wait without a connection held open.
   */
  maxRetryAfterMs: positiveInt.default(2_000),
});

export const breakerSchema = z.strictObject({
  /**
   * Consecutive requests that found a backend failing before its first event (retries within
   * one request count once) that open its circuit.
   */
  failureThreshold: positiveInt.default(5),
  /** How long an open circuit passes the backend over before one probe request may try it. */
  cooldownMs: positiveInt.default(30_000),
});

export const healthCheckSchema = z.strictObject({
  /** Node: probe every backend this often (a streaming one-token request). */
  intervalMs: positiveInt.default(30_000),
  /** A probe slower than this counts as a failure. */
  timeoutMs: positiveInt.default(10_000),
});

export const routingSchema = z.strictObject({
  retry: retrySchema.prefault({}),
  breaker: breakerSchema.prefault({}),
  /** Active probes; absent: health is learnt from real requests only. */
  healthCheck: healthCheckSchema.optional(),
});

/** Fields added to each public model. */
export const modelRoutingFields = {
  /** Request fields set when the client sent none, e.g. QwQ's temperature 0.6, top_p 0.95. */
  defaults: z.record(z.string(), z.unknown()).default({}),
  /** Completion-token cap: applied to what the client asked, and used when it asked nothing. */
  maxTokens: positiveInt.optional(),
};

export type RoutingConfig = z.output<typeof routingSchema>;
