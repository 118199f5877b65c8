// Requests in flight per backend, for spillover: a local GPU box takes requests up to its
// capacity and the rest go to the next target. Counted once when an attempt starts and once
// when its stream ends: never per chunk.

/** A held place on a backend. Releasing is idempotent and never throws. */
export interface Slot {
  release(): void;
}

export interface InFlight {
  /** Takes a slot on `backend` if fewer than `limit` are in flight there; null when full. */
  acquire(backend: string, limit: number): Promise<Slot | null>;
}

/** One process: a counter per backend. */
export function memoryInFlight(): InFlight & { count(backend: string): number } {
  const counts = new Map<string, number>();
  return {
    count: (backend) => counts.get(backend) ?? 0,
    async acquire(backend, limit) {
      const held = counts.get(backend) ?? 0;
      if (held >= limit) return null;
      counts.set(backend, held + 1);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          counts.set(backend, (counts.get(backend) ?? 1) - 1);
        },
      };
    },
  };
}
