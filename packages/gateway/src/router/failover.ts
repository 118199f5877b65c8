import { ApiError } from "../errors/api-error.js";
import type { AttemptRecord } from "./attempt-log.js";
import { fullJitter } from "./backoff.js";
import type { CircuitBreakers } from "./breaker.js";
import type { InFlight, Slot } from "./in-flight.js";

/** How hard one request tries before giving up. */
export interface RetryPolicy {
  /** Requests sent upstream at most, over all targets (skips do not count). */
  maxAttempts: number;
  /** Overall time before the first event, all attempts and waits included. */
  budgetMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

/** Something the failover may try: a backend, and its in-flight limit if it has one. */
export interface FailoverCandidate {
  backend: string;
  /** Spillover: at most this many requests in flight on the backend; absent = no limit. */
  capacity?: number | undefined;
}

/** What one attempt came to, decided before anything reached the client. */
export type AttemptOutcome<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      error: ApiError;
      /** Worth trying another target (connect error, timeout, 429, 5xx, a first error event). */
      retryable: boolean;
      /** A 429's Retry-After, ms; null when it sent none. */
      retryAfterMs: number | null;
    };

export interface FailoverOptions<C extends FailoverCandidate, T> {
  /** In the order to try them, already limited to what the caller may use. */
  candidates: readonly C[];
  /** Tries one candidate within `timeoutMs`; throws only when the client left. */
  attempt(candidate: C, timeoutMs: number): Promise<AttemptOutcome<T>>;
  breakers: CircuitBreakers;
  inFlight: InFlight;
  retry: RetryPolicy;
  /** Epoch ms, the breakers' clock. */
  now: () => number;
  random: () => number;
  /** Waits; rejects when the client left. */
  sleep(ms: number): Promise<void>;
  onAttempt(record: AttemptRecord): void;
}

export interface Served<C, T> {
  candidate: C;
  value: T;
  /** Held until the response ends (spillover counts it as in flight until then). */
  slot: Slot;
}

const unheld: Slot = { release() {} };

/**
 * Tries candidates in order until one produces its first event. A failure before that moves
 * on to the next target; a target already tried is retried only after a full-jitter backoff,
 * and a 429's Retry-After is honoured while the budget lasts. Open circuits, paused and full
 * backends are passed over at no cost. Nothing here retries once the client has been sent
 * anything: the caller commits the response only after this returns.
 */
export async function failover<C extends FailoverCandidate, T>(
  options: FailoverOptions<C, T>,
): Promise<Served<C, T>> {
  const { candidates, breakers, retry, now } = options;
  const deadline = now() + retry.budgetMs;
  const tried = new Set<C>();
  const failures: { backend: string; error: ApiError }[] = [];
  let made = 0;
  let retries = 0;
  let waits = 0;
  let pausedUntil = Number.POSITIVE_INFINITY;
  let reopensAt = Number.POSITIVE_INFINITY;
  let fullSkips = 0;
  const exhausted = () =>
    giveUp(
      failures,
      candidates.some((c) => !tried.has(c)),
      fullSkips,
      Math.min(pausedUntil, reopensAt),
      now(),
    );

  const skip = (backend: string, code: string) =>
    options.onAttempt({ backend, outcome: "skipped", code, ms: 0 });

  while (made < retry.maxAttempts) {
    let attemptedThisPass = false;
    for (const candidate of candidates) {
      if (made >= retry.maxAttempts) break;
      const admission = breakers.admit(candidate.backend);
      if (!admission.allowed) {
        // Only a Retry-After is worth waiting for; an open circuit means "broken": fail fast.
        if (admission.reason === "paused") pausedUntil = Math.min(pausedUntil, admission.retryAt);
        else reopensAt = Math.min(reopensAt, admission.retryAt);
        skip(candidate.backend, admission.reason);
        continue;
      }
      const giveBack = () => {
        if (admission.probe) breakers.abandon(candidate.backend);
      };
      if (tried.has(candidate)) {
        const delay = fullJitter(
          retries++,
          { baseMs: retry.backoffBaseMs, maxMs: retry.backoffMaxMs },
          options.random,
        );
        if (now() + delay >= deadline) {
          giveBack();
          return exhausted();
        }
        await guard(options.sleep(delay), giveBack);
      }
      let slot = unheld;
      if (candidate.capacity !== undefined) {
        const held = await guard(
          options.inFlight.acquire(candidate.backend, candidate.capacity),
          giveBack,
        );
        if (!held) {
          giveBack();
          fullSkips++;
          skip(candidate.backend, "at_capacity");
          continue;
        }
        slot = held;
      }
      const remaining = deadline - now();
      if (remaining <= 0) {
        slot.release();
        giveBack();
        return exhausted();
      }

      made++;
      tried.add(candidate);
      attemptedThisPass = true;
      const started = now();
      const outcome = await guard(options.attempt(candidate, remaining), () => {
        slot.release();
        giveBack();
      });
      const ms = now() - started;
      if (outcome.ok) {
        breakers.success(candidate.backend);
        options.onAttempt({ backend: candidate.backend, outcome: "served", ms });
        return { candidate, value: outcome.value, slot };
      }
      slot.release();
      const { error } = outcome;
      options.onAttempt({
        backend: candidate.backend,
        outcome: "failed",
        status: error.status,
        code: error.body.code ?? error.body.type,
        ms,
      });
      if (!outcome.retryable) {
        // The request itself was refused (bad input): the backend is fine, and so is its circuit.
        giveBack();
        throw error;
      }
      failures.push({ backend: candidate.backend, error });
      if (error.status === 429) {
        // Busy, not broken: wait out its Retry-After (or a second) without opening the circuit.
        giveBack();
        breakers.pause(candidate.backend, now() + (outcome.retryAfterMs ?? 1000));
      } else {
        breakers.failure(candidate.backend);
      }
    }
    if (made >= retry.maxAttempts) break;
    if (!attemptedThisPass) {
      // Everything was passed over. If a backend's Retry-After runs out within the budget, wait
      // for it (honouring it, rather than hammering); else give up now.
      if (pausedUntil === Number.POSITIVE_INFINITY || pausedUntil >= deadline) break;
      if (waits++ >= retry.maxAttempts) break;
      await options.sleep(Math.max(0, pausedUntil - now()));
      pausedUntil = Number.POSITIVE_INFINITY;
      reopensAt = Number.POSITIVE_INFINITY;
      fullSkips = 0;
    }
  }
  return exhausted();
}

/** Runs `work`; if it throws (the client left), undoes what was taken first. */
async function guard<R>(work: Promise<R>, undo: () => void): Promise<R> {
  try {
    return await work;
  } catch (err) {
    undo();
    throw err;
  }
}

/**
 * The answer when no target served. Attempts at one backend only, nothing passed over: its own
 * error (a 504 stays a 504). Only 429s: the last one, with its Retry-After. Otherwise 503, naming
 * what was tried, with a Retry-After when it is known when a backend comes back.
 */
function giveUp(
  failures: { backend: string; error: ApiError }[],
  passedOver: boolean,
  fullSkips: number,
  availableAt: number,
  now: number,
): never {
  const last = failures.at(-1);
  if (last && !passedOver && failures.every((f) => f.backend === last.backend)) throw last.error;
  if (last && failures.every((f) => f.error.status === 429)) throw last.error;
  const seconds =
    availableAt === Number.POSITIVE_INFINITY
      ? 1
      : Math.max(1, Math.ceil((availableAt - now) / 1000));
  const tried = failures.map((f) => `${f.backend} (${f.error.body.code ?? f.error.status})`);
  const why =
    tried.length > 0
      ? `every backend failed: ${tried.join(", ")}`
      : fullSkips > 0
        ? "every backend is at capacity"
        : "every backend is unavailable";
  throw new ApiError(
    503,
    {
      message: `No backend could serve the request: ${why}.`,
      type: "upstream_error",
      param: null,
      code: "no_backend_available",
    },
    { "retry-after": String(seconds) },
  );
}
