import { Redis } from "@upstash/redis/cloudflare";
import { createRedisBackedStore } from "./redis-backed.js";
import type { Store } from "./types.js";

// The hosted store: Upstash Redis over HTTPS. The "/cloudflare" entry is plain fetch, so the
// same client runs on Workers (workerd) and on Node. Concurrent commands from one request are
// auto-pipelined by the client into one HTTP round trip.

export interface UpstashStoreOptions {
  url: string;
  token: string;
  prefix?: string;
  /** Attempts after a network failure before a call rejects. Default 1: outages show up fast. */
  retries?: number;
}

export function createUpstashStore(options: UpstashStoreOptions): Store {
  const redis = new Redis({
    url: options.url,
    token: options.token,
    // Our scripts return JSON text and lists we parse ourselves.
    automaticDeserialization: false,
    enableTelemetry: false,
    retry: { retries: options.retries ?? 1, backoff: () => 50 },
  });
  return createRedisBackedStore({
    type: "upstash",
    client: redis,
    ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
  });
}
