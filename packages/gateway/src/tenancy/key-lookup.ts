import type { KeyRecord, Store } from "../store/types.js";
import { StoreUnavailableError, storeCall } from "../store/unavailable.js";

// Finds store keys by hash, with a short cache so most requests cost no store round trip for
// authentication. A key changed through the admin API on this instance is dropped from the cache
// at once; other instances see the change within cacheTtlMs.

export interface KeyLookupOptions {
  store: Store;
  /** How long a found key is trusted without asking the store again. Default 10 s; 0: never. */
  cacheTtlMs?: number;
  /**
   * When the store is unreachable: "reject" (default) lets no key in that the store would have
   * to vouch for (StoreUnavailableError, answered 503); "stale" serves keys this instance has
   * seen before from its cache, however old. Config keys work either way.
   */
  onStoreDown?: "reject" | "stale";
  storeTimeoutMs?: number;
  log?: (line: Record<string, unknown>) => void;
  now?: () => number;
  /** At most this many keys are cached. Default 10,000. */
  maxCached?: number;
}

export interface KeyLookup {
  find(hash: string): Promise<KeyRecord | null>;
  forget(hash: string): void;
}

export function createKeyLookup(options: KeyLookupOptions): KeyLookup {
  const ttl = options.cacheTtlMs ?? 10_000;
  const now = options.now ?? Date.now;
  const maxCached = options.maxCached ?? 10_000;
  const log = options.log ?? (() => {});
  const cache = new Map<string, { record: KeyRecord; fetchedAt: number }>();

  return {
    async find(hash) {
      const cached = cache.get(hash);
      if (cached && now() - cached.fetchedAt < ttl) return cached.record;
      let record: KeyRecord | null;
      try {
        record = await storeCall("findKey", options.storeTimeoutMs ?? 1000, () =>
          options.store.getKey(hash),
        );
      } catch (error) {
        if (options.onStoreDown === "stale" && cached) {
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
        if (cache.size >= maxCached) cache.delete(cache.keys().next().value as string);
        cache.set(hash, { record, fetchedAt: now() });
      } else {
        cache.delete(hash);
      }
      return record;
    },
    forget(hash) {
      cache.delete(hash);
    },
  };
}
