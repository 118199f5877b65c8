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
  /** The longest Retry-After waited out here; a longer one's 429 goes back to the client. */
  maxRetryAfterMs: number;
}

/** Something the failover may try: a backend, and its in-flight limit if it has one. */
export interface FailoverCandidate {
  backend: string;
  /** Spillover: at most this many requests in flight on the backend; absent = no limit. */
  capacity?: number | undefined;
  /**
   * Of `capacity`, slots kept for requests that have nowhere else to go (a key pinned to local
   * backends, or the last target): a request with a later target leaves them free.
   */
  reserved?: number | undefined;
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
      /** What the upstream said, for the log only (credentials removed). */
      detail?: string;
      /**
       * The failure may be the request's own doing (its stream opened with an error, a 500,
       * nothing before the first-byte timeout): weighed once the request's fate is known.
       */
      ambiguous?: boolean;
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
 * or, after a 429, not before its Retry-After (waited out here only when it is short). Open
 * circuits and full backends are passed over at no cost. Nothing here retries once the client
 * has been sent anything: the caller commits the response only after this returns.
 */
export async function failover<C extends FailoverCandidate, T>(
  options: FailoverOptions<C, T>,
): Promise<Served<C, T>> {
  const { candidates, breakers, retry, now } = options;
  const deadline = now() + retry.budgetMs;
  const tried = new Set<C>();
  /** Backends this request already counted against their breaker: once per request. */
  const counted = new Set<string>();
  /** Backends whose failure may be this request's fault: counted once its fate is known. */
  const doubtful: string[] = [];
  // Served elsewhere: the request was servable, so those backends failed it. Failed on two or
  // more backends in the same doubtful way (or refused as bad input): the request is the
  // common cause, and no backend's circuit pays for it. Failed on one backend only: nothing
  // speaks for the request, and a backend that breaks every stream must still trip.
  const weigh = (served: boolean) => {
    if (served || doubtful.length === 1) for (const backend of doubtful) breakers.failure(backend);
    doubtful.length = 0;
  };
  /** This request's Retry-After per candidate. */
  const notBefore = new Map<C, number>();
  const failures: { backend: string; error: ApiError }[] = [];
  let made = 0;
  let retries = 0;
  let waits = 0;
  let reopensAt = Number.POSITIVE_INFINITY;
  let fullSkips = 0;
  const exhausted = () => {
    weigh(false);
    return giveUp(
      failures,
      candidates.some((c) => !tried.has(c)),
      fullSkips,
      Math.min(reopensAt, ...notBefore.values()),
      now(),
    );
  };

  const skip = (backend: string, code: string) =>
    options.onAttempt({ backend, outcome: "skipped", code, ms: 0 });

  while (made < retry.maxAttempts) {
    let attemptedThisPass = false;
    for (const candidate of candidates) {
      if (made >= retry.maxAttempts) break;
      if ((notBefore.get(candidate) ?? 0) > now()) {
        skip(candidate.backend, "retry_after");
        continue;
      }
      const admission = breakers.admit(candidate.backend);
      if (!admission.allowed) {
        // Broken, as far as this instance knows: fail fast rather than wait for the cooldown.
        reopensAt = Math.min(reopensAt, admission.retryAt);
        skip(candidate.backend, "circuit_open");
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
        const hasLater = candidates.indexOf(candidate) < candidates.length - 1;
        const reserved = hasLater ? Math.min(candidate.reserved ?? 0, candidate.capacity - 1) : 0;
        const held = await guard(
          options.inFlight.acquire(candidate.backend, candidate.capacity - Math.max(0, reserved)),
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
        weigh(true);
        options.onAttempt({ backend: candidate.backend, outcome: "served", ms });
        return { candidate, value: outcome.value, slot };
      }
      slot.release();
      const { error } = outcome;
      const record: AttemptRecord = {
        backend: candidate.backend,
        outcome: "failed",
        status: error.status,
        code: error.body.code ?? error.body.type,
        ms,
      };
      if (outcome.detail !== undefined) record.detail = outcome.detail;
      options.onAttempt(record);
      if (!outcome.retryable) {
        // The request itself was refused (bad input): the backend is fine, and so is its
        // circuit, and so are those it failed on before.
        giveBack();
        doubtful.length = 0;
        throw error;
      }
      failures.push({ backend: candidate.backend, error });
      if (error.status === 429) {
        // Busy, not broken: not again before its Retry-After (a second if it gave none).
        giveBack();
        notBefore.set(candidate, now() + (outcome.retryAfterMs ?? 1000));
      } else if (!counted.has(candidate.backend)) {
        counted.add(candidate.backend);
        if (outcome.ambiguous) {
          // No verdict yet: a probe ends undecided, and the count waits for weigh().
          giveBack();
          doubtful.push(candidate.backend);
        } else breakers.failure(candidate.backend);
      } else {
        giveBack();
      }
    }
    if (made >= retry.maxAttempts) break;
    if (!attemptedThisPass) {
      // Everything was passed over. A short Retry-After that ends within the budget is waited
      // out; a long one goes back to the client, whose own retry logic can wait without
      // holding a connection open.
      const resume = Math.min(...[...notBefore.values()].filter((t) => t > now()));
      if (!Number.isFinite(resume) || resume >= deadline) break;
      if (resume - now() > retry.maxRetryAfterMs || waits++ >= retry.maxAttempts) break;
      await options.sleep(resume - now());
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
