import type { KeyRecord, Store } from "../store/types.js";
import { StoreUnavailableError, storeCall } from "../store/unavailable.js";

// Finds store keys by hash, with short caches so most requests cost no store round trip for
// authentication: found keys for cacheTtlMs, and hashes the store does not know for
// unknownTtlMs (a client repeating a made-up key costs one lookup, not one per request). A key
// changed or created through the admin API on this instance is dropped from both at once;
// other instances see the change within the TTLs.

export interface KeyLookupOptions {
  store: Store;
  /** How long a found key is trusted without asking the store again. Default 10 s; 0: never. */
  cacheTtlMs?: number;
  /** How long the store's "no such key" is believed. Default 10 s; 0: never. */
  unknownTtlMs?: number;
  /**
   * When the store is unreachable: "reject" (default) lets no key in that the store would have
   * to vouch for (StoreUnavailableError, answered 503); "stale" serves keys this instance has
   * found within the last maxStaleMs. Config keys work either way.
   */
  onStoreDown?: "reject" | "stale";
  /** "stale": a key last confirmed by the store longer ago than this is refused. Default 10 × cacheTtlMs. */
  maxStaleMs?: number;
  storeTimeoutMs?: number;
  log?: (line: Record<string, unknown>) => void;
  now?: () => number;
  /** At most this many found keys, and as many unknown hashes, are cached. Default 10,000. */
  maxCached?: number;
}

export interface KeyLookup {
  find(hash: string): Promise<KeyRecord | null>;
  /** The store's answer for this hash has changed: ask it again next time. */
  forget(hash: string): void;
}

export function createKeyLookup(options: KeyLookupOptions): KeyLookup {
  const ttl = options.cacheTtlMs ?? 10_000;
  const unknownTtl = options.unknownTtlMs ?? 10_000;
  const maxStale = options.maxStaleMs ?? 10 * (ttl || 10_000);
  const now = options.now ?? Date.now;
  const maxCached = options.maxCached ?? 10_000;
  const log = options.log ?? (() => {});
  // Both least recently used first (a Map keeps insertion order; a hit moves to the end).
  const found = new Map<string, { record: KeyRecord; fetchedAt: number }>();
  const unknown = new Map<string, number>();

  function remember<V>(map: Map<string, V>, hash: string, value: V): void {
    map.delete(hash);
    if (map.size >= maxCached) map.delete(map.keys().next().value as string);
    map.set(hash, value);
  }

  return {
    async find(hash) {
      const at = now();
      const cached = found.get(hash);
      if (cached && at - cached.fetchedAt < ttl) {
        remember(found, hash, cached);
        return cached.record;
      }
      const unknownUntil = unknown.get(hash);
      if (unknownUntil !== undefined) {
        if (at < unknownUntil) return null;
        unknown.delete(hash);
      }
      let record: KeyRecord | null;
      try {
        record = await storeCall("findKey", options.storeTimeoutMs ?? 1000, () =>
          options.store.getKey(hash),
        );
      } catch (error) {
        if (options.onStoreDown === "stale" && cached && now() - cached.fetchedAt <= maxStale) {
          log({
            level: "warn",
            msg: "store unavailable: serving a cached key",
            keyId: cached.record.id,
          });
          return cached.record;
        }
        log({ level: "warn", msg: "store unavailable: key lookup refused", error: String(error) });
        throw error instanceof StoreUnavailableError
          ? error
          : new StoreUnavailableError("findKey", error);
      }
      if (record) {
        remember(found, hash, { record, fetchedAt: now() });
      } else {
        found.delete(hash);
        if (unknownTtl > 0) remember(unknown, hash, now() + unknownTtl);
      }
      return record;
    },
    forget(hash) {
      found.delete(hash);
      unknown.delete(hash);
    },
  };
}
