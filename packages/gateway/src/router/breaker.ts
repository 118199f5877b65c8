// Per-backend health, in this process. Each gateway instance keeps its own breakers: a dead
// backend is found within a few requests per instance, and no store round trip sits in front
// of every attempt. Workers isolates are short-lived, so there a breaker mostly spares the
// remaining attempts of a burst; on Node it spares every request for the whole cooldown.

export interface BreakerOptions {
  /** Consecutive failed requests that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses requests before one probe may try again. */
  cooldownMs: number;
  /** Epoch ms. */
  now: () => number;
}

export type BreakerState = "closed" | "open" | "half-open";

/** May a request go to this backend now? A probe must report back (success/failure/abandon). */
export type Admission = { allowed: true; probe: boolean } | { allowed: false; retryAt: number };

interface Circuit {
  failures: number;
  /** Open until then (epoch ms); 0 when closed. */
  openUntil: number;
  /** The one request allowed through a half-open circuit, started at (epoch ms); 0 if none. */
  probeSince: number;
}

export class CircuitBreakers {
  readonly #options: BreakerOptions;
  readonly #circuits = new Map<string, Circuit>();

  constructor(options: BreakerOptions) {
    this.#options = options;
  }

  #circuit(backend: string): Circuit {
    let circuit = this.#circuits.get(backend);
    if (!circuit) {
      circuit = { failures: 0, openUntil: 0, probeSince: 0 };
      this.#circuits.set(backend, circuit);
    }
    return circuit;
  }

  state(backend: string): BreakerState {
    const c = this.#circuits.get(backend);
    if (!c || c.openUntil === 0) return "closed";
    return this.#options.now() < c.openUntil ? "open" : "half-open";
  }

  admit(backend: string): Admission {
    const c = this.#circuits.get(backend);
    if (!c) return { allowed: true, probe: false };
    const now = this.#options.now();
    if (c.openUntil === 0) return { allowed: true, probe: false };
    if (now < c.openUntil) return { allowed: false, retryAt: c.openUntil };
    // Half-open: exactly one probe at a time. A probe that never reported (a bug, a crash
    // between admit and report) stops blocking after another cooldown.
    if (c.probeSince !== 0 && now - c.probeSince < this.#options.cooldownMs) {
      return { allowed: false, retryAt: c.probeSince + this.#options.cooldownMs };
    }
    c.probeSince = now;
    return { allowed: true, probe: true };
  }

  /** The backend answered: the circuit closes, whatever state it was in. */
  success(backend: string): void {
    const c = this.#circuits.get(backend);
    if (!c) return;
    c.failures = 0;
    c.openUntil = 0;
    c.probeSince = 0;
  }

  /**
   * A request found the backend failing before its first event (the failover reports once per
   * request, however often it retried): count it; a failed probe reopens at once.
   */
  failure(backend: string): void {
    const c = this.#circuit(backend);
    const now = this.#options.now();
    const probing = c.probeSince !== 0;
    c.probeSince = 0;
    c.failures++;
    if (probing || c.failures >= this.#options.failureThreshold) {
      c.openUntil = now + this.#options.cooldownMs;
    }
  }

  /** A probe ended without a verdict (the client left): the next request may probe. */
  abandon(backend: string): void {
    const c = this.#circuits.get(backend);
    if (c) c.probeSince = 0;
  }
}
