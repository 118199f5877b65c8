// The one store interface behind keys, limits, usage and routing state. Three implementations:
// memory (one process, the embedded default), redis (TCP) and upstash (REST). Every method is
// safe to call concurrently from several gateway instances sharing one Redis.

export interface Limits {
  /** Requests per minute (sliding window). */
  rpm?: number;
  /** Tokens per minute (sliding window; prompt + completion, reasoning included). */
  tpm?: number;
  /** Requests in flight at once. */
  concurrency?: number;
}

/** An API key as the store keeps it: never the key itself, only its SHA-256 hash. */
export interface KeyRecord {
  /** Stable public id (e.g. "key_…"), safe to show and log. */
  id: string;
  /** Lowercase hex SHA-256 of the full key. */
  hash: string;
  tenant: string;
  name?: string;
  /** Public model names this key may use; absent = all. */
  models?: string[];
  limits?: Limits;
  /** Backend tags this key is restricted to (e.g. ["local"]); absent = any backend. */
  tags?: string[];
  /** Epoch ms. */
  createdAt: number;
  expiresAt?: number;
  revokedAt?: number;
  /** "config" for keys from the config file, "store" for keys created through the admin API. */
  source: "config" | "store";
}

/** Who is calling: the result of authentication, handed to every later step. */
export interface Principal {
  keyId: string;
  tenant: string;
  models?: string[];
  limits?: Limits;
  tags?: string[];
}

/** Usage counters for one tenant (or one key) over one UTC day. */
export interface UsageCounts {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** Part of completionTokens, counted again here so it can be read on its own. */
  reasoningTokens: number;
  errors: number;
}

/** What one finished request adds to its tenant's and key's counters. */
export interface UsageDelta extends UsageCounts {
  tenant: string;
  keyId: string;
  /** UTC day, "YYYY-MM-DD". */
  day: string;
}

export interface UsageDay {
  day: string;
  tenant: string;
  totals: UsageCounts;
  /** Per key id. */
  keys: Record<string, UsageCounts>;
}

/** One sliding-window decision, as @upstash/ratelimit reports it. */
export interface WindowResult {
  success: boolean;
  limit: number;
  remaining: number;
  /** Epoch ms when the current window ends. */
  reset: number;
}

/** A reserve() answer: also the window the cost was counted in, for a later refund. */
export interface Reservation extends WindowResult {
  /** The window's number (epoch ms / window ms, floored). */
  window: number;
}

export interface LeaseResult {
  ok: boolean;
  /** Leases held after this call (including the new one when ok). */
  active: number;
  /** When not ok: ms until the oldest lease expires on its own. */
  retryAfterMs: number;
}

/**
 * The store behind tenancy. Every method may reject when the store is unreachable; callers
 * decide what that means (see tenancy/README.md, "Store outage").
 */
export interface Store {
  readonly type: "memory" | "redis" | "upstash";

  /** A key by the SHA-256 hex of its secret; revoked and expired records are returned too. */
  getKey(hash: string): Promise<KeyRecord | null>;
  getKeyById(id: string): Promise<KeyRecord | null>;
  /** Creates or replaces the record (found again by hash and by id). */
  putKey(record: KeyRecord): Promise<void>;
  /**
   * Changes a key atomically: `change` gets the record as stored now and returns the new one
   * (same id and hash), or null to leave it as it is. A write that lands between the read and
   * the write is never overwritten: `change` runs again on the newer record. So a revocation
   * made while a PATCH is in flight stays. Resolves to the record as stored afterwards, or null
   * when no key has this id.
   */
  updateKey(id: string, change: (record: KeyRecord) => KeyRecord | null): Promise<KeyRecord | null>;
  /** All store keys, or one tenant's. */
  listKeys(tenant?: string): Promise<KeyRecord[]>;

  /**
   * Adds to the per-day counters; one round trip for the whole batch. A batch sent again with
   * the same `batchId` (its first answer was lost) is counted once.
   */
  addUsage(deltas: UsageDelta[], batchId?: string): Promise<void>;
  /** Days from..to inclusive ("YYYY-MM-DD"); days without usage are left out. */
  readUsage(tenant: string, fromDay: string, toDay: string): Promise<UsageDay[]>;

  /**
   * @upstash/ratelimit's sliding window: admits `cost` units if the window has room (nothing is
   * counted when it has none). A cost above the remaining room is counted and reported as not
   * successful: the caller refunds it with charge().
   */
  slidingWindow(id: string, limit: number, windowMs: number, cost: number): Promise<WindowResult>;
  /**
   * The same sliding window (same counters, same weighting), but all-or-nothing: `cost` is
   * counted only if it fits entirely (used + cost <= limit); otherwise nothing is counted. For
   * token reservations, where the library's answer cannot tell a counted overshoot from a
   * refusal.
   */
  reserve(id: string, limit: number, windowMs: number, cost: number): Promise<Reservation>;
  /**
   * Adds (or, negative, refunds) units in a window of `id`, whatever the limit: the current
   * one, or `window` (a reservation's) while it is the current or the previous one. A refund
   * must go back where its reservation was counted: landing in a later window, it would leave
   * the reservation's window full and open room in the next one, up to twice the limit. A
   * window older than that no longer weighs on any decision, and nothing is charged.
   */
  charge(id: string, windowMs: number, amount: number, window?: number): Promise<void>;
  /** A concurrency slot that expires on its own after ttlMs unless released. */
  acquireLease(id: string, limit: number, leaseId: string, ttlMs: number): Promise<LeaseResult>;
  releaseLease(id: string, leaseId: string): Promise<void>;

  close(): Promise<void>;
}
