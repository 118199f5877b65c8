import type { Contender } from "../contenders/types.js";
import type { LoadGenerator } from "../load/load-generator.js";
import type { Mode } from "../modes.js";

export interface RunContext {
  contenders: Contender[]; // direct first
  load: LoadGenerator;
  mode: Mode;
  progress: (line: string) => void;
}

/**
 * The contenders in a different order each round, so no contender always runs right after the
 * same neighbour (a warm CPU cache, a pending GC): the run is interleaved, not one after another.
 */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
