import type { Store } from "../store/types.js";
import type { InFlight, Slot } from "./in-flight.js";

export interface StoreInFlightOptions {
  /**
   * A slot expires on its own after this long unless renewed, so a gateway instance that dies
   * mid-stream cannot hold a backend's capacity forever.
   */
  leaseTtlMs?: number;
  /** A store answer slower than this counts as a failure. Default 1000 ms. */
  storeTimeoutMs?: number;
  /** Called when the store fails; the request goes ahead as if there were room. */
  onStoreError?: (error: unknown) => void;
}

const defaultTtlMs = 60_000;
const storeKey = (backend: string) => `inflight:${backend}`;

/**
 * In-flight counts shared by every gateway instance using the same store, on the store's
 * expiring leases. While a stream runs its lease is renewed every third of the TTL (one timer
 * per stream, no work per chunk). If the store is unreachable the request is let through:
 * spilling everything to the cloud, or refusing it, would be worse than a brief overshoot.
 */
export function storeInFlight(store: Store, options: StoreInFlightOptions = {}): InFlight {
  const ttlMs = options.leaseTtlMs ?? defaultTtlMs;
  const timeoutMs = options.storeTimeoutMs ?? 1000;
  const onError = options.onStoreError ?? (() => {});
  const unheld: Slot = { release() {} };

  return {
    async acquire(backend, limit) {
      const leaseId = crypto.randomUUID();
      const id = storeKey(backend);
      try {
        const result = await withTimeout(store.acquireLease(id, limit, leaseId, ttlMs), timeoutMs);
        if (!result.ok) return null;
      } catch (error) {
        onError(error);
        return unheld;
      }
      // Re-acquiring with the same lease id extends it; it never counts twice.
      const renew = setInterval(() => {
        store.acquireLease(id, limit, leaseId, ttlMs).catch(onError);
      }, ttlMs / 3);
      // A renewal timer must not keep a Node process alive on its own.
      (renew as { unref?: () => void }).unref?.();
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          clearInterval(renew);
          store.releaseLease(id, leaseId).catch(onError);
        },
      };
    },
  };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`store did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
