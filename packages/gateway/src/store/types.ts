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
