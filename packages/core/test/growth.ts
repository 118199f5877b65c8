// How a scanner's time grows with its input, measured so that the verdict holds on a loaded
// machine: a ratio of times, never an absolute one. Used by the linear-time tests of core, the
// gateway and the SDK (docs/architecture.md, "Linear time").
import fc from "fast-check";

export interface GrowthOptions {
  /**
   * Smallest input, in characters (default 128 KiB: from there on V8 allocates each string of
   * the size apart, so every size pays that cost alike).
   */
  from?: number;
  /** Largest input (default 2 MiB, the gateway's default maxBodyBytes). */
  to?: number;
  /** Samples per size; the fastest counts (default 3). */
  reps?: number;
  /** Measurements of a pair before its ratio counts (default 4). */
  attempts?: number;
}

export interface Growth {
  /** The largest t(4n) / t(n) seen: about 4 for linear time, 16 for quadratic. */
  worst: number;
  /** One line per size, for the failure message. */
  table: string;
}

interface CpuProcess {
  cpuUsage(): { user: number; system: number };
}
const cpuProcess = (globalThis as { process?: CpuProcess }).process;

/**
 * Milliseconds of CPU this process has used, where the runtime can tell (Node): unlike the
 * wall clock, it does not count the time other processes on a busy machine held the cores.
 */
const clock: () => number = cpuProcess
  ? () => {
      const { user, system } = cpuProcess.cpuUsage();
      return (user + system) / 1000;
    }
  : () => performance.now();

/**
 * Largest ratio allowed for four times the input: an exponent of about 1.66. Linear time gives
 * about 4 (a little more where collecting garbage grows with a larger heap), quadratic 16.
 */
export const GROWTH_BOUND = 10;

const minSampleMs = 5;

/**
 * One run slower than this many times a plain linear pass over as many characters is
 * super-linear beyond doubt (the slowest linear scanner here costs a few hundred passes). It
 * ends the measurement at once: a quadratic scanner fails after one run, not after minutes.
 */
const maxPasses = 10_000;

/** A linear pass over `size` characters on this machine, now: the budget's unit. */
function linearPass(size: number): number {
  const text = "<think>a".repeat(Math.ceil(size / 8));
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const started = clock();
    JSON.stringify(text);
    best = Math.min(best, clock() - started);
  }
  return Math.max(best, 0.01);
}

/**
 * Times `run` on inputs that double in size, and compares each size with the one two doublings
 * below it (t(4n) / t(n)). Time is the process's CPU time; each is the least of `reps` runs
 * after one untimed run: the run that the machine's other work (caches, collections of garbage
 * left by earlier inputs) disturbed least. A pair over the bound is measured again before it counts, since a
 * burst of load can slow one size; a super-linear scanner stays over it every time. Measuring
 * stops at the first pair that stays over the bound, so a quadratic scanner fails on small
 * inputs instead of running for minutes on large ones.
 */
export function measureGrowth<T>(
  prepare: (size: number) => T,
  run: (input: T) => void,
  options: GrowthOptions = {},
): Growth {
  const { from = 128 * 1024, to = 2 * 1024 * 1024, reps = 3, attempts = 4 } = options;
  const sizes: number[] = [];
  for (let n = from; n <= to; n *= 2) sizes.push(n);
  const ms: number[] = [];
  const lines: string[] = [];
  let worst = 0;
  /** The time of one run; Infinity when one run alone is beyond any linear scanner. */
  const time = (size: number) => {
    const input = prepare(size);
    const first = clock();
    run(input);
    const once = clock() - first;
    if (once > maxPasses * linearPass(size)) return Number.POSITIVE_INFINITY;
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < reps; i++) {
      // A sample lasts a few milliseconds at least: shorter ones are mostly clock noise.
      const started = clock();
      let runs = 0;
      let elapsed = 0;
      do {
        run(input);
        runs++;
        elapsed = clock() - started;
      } while (elapsed < minSampleMs);
      best = Math.min(best, elapsed / runs);
    }
    // Never zero: a ratio needs a denominator, and a timer tick is the finest there is.
    return Math.max(best, 0.001);
  };
  for (let i = 0; i < sizes.length; i++) {
    const size = sizes[i] ?? 0;
    ms[i] = time(size);
    let ratio = 0;
    if (i >= 2) {
      const small = sizes[i - 2] ?? 0;
      ratio = (ms[i] ?? 0) / (ms[i - 2] ?? 1);
      for (let a = 1; a < attempts && ratio >= GROWTH_BOUND; a++) {
        ms[i - 2] = Math.min(ms[i - 2] ?? 0, time(small));
        ms[i] = Math.min(ms[i] ?? 0, time(size));
        ratio = (ms[i] ?? 0) / (ms[i - 2] ?? 1);
      }
      worst = Math.max(worst, ratio);
    }
    const took = ms[i] ?? 0;
    lines.push(
      `${(size / 1024).toFixed(0)} KiB: ` +
        (took === Number.POSITIVE_INFINITY ? "stopped: super-linear" : `${took.toFixed(2)} ms`) +
        (i >= 2 ? ` (x${ratio.toFixed(1)} over a quarter of the size)` : ""),
    );
    if (took === Number.POSITIVE_INFINITY) return { worst: took, table: lines.join("\n") };
    if (ratio >= GROWTH_BOUND) break;
  }
  return { worst, table: lines.join("\n") };
}

/** Pieces that adversarial text is built from: tags, partial tags, SSE fields, brackets. */
export const hostileFragment = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      "<think>",
      "</think>",
      "<think",
      "</th",
      "</think",
      "<",
      "</",
      "<tool_call>",
      "</tool_call>",
      "<tool_call",
      "</tool_",
      "{",
      "}",
      "[",
      "]",
      '"',
      "\n",
      "\r",
      "\r\n",
      " ",
      "\t",
      "data:",
      "data: ",
      ":",
      "event: ",
      "答",
      "🤔",
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 3 }) },
);

/** A short stretch of adversarial text, repeated by `fill` to any size. */
export const hostilePattern = fc
  .array(hostileFragment, { minLength: 1, maxLength: 24 })
  .map((parts) => parts.join(""))
  .filter((s) => s.length > 0);

/** How a stream is cut: chunk sizes used in turn (a model streams a few characters at a time). */
export const chunkSizes = fc.array(fc.integer({ min: 1, max: 64 }), {
  minLength: 1,
  maxLength: 8,
});

/** How bytes arrive from the network: reads of a few bytes to a few KB. */
export const readSizes = fc.array(fc.integer({ min: 16, max: 4096 }), {
  minLength: 1,
  maxLength: 8,
});

/** `pattern` repeated to exactly `size` characters. */
export function fill(pattern: string, size: number): string {
  return pattern.repeat(Math.ceil(size / pattern.length)).slice(0, size);
}

/** `text` cut into chunks of the given sizes, in turn. */
export function chunk(text: string, sizes: number[]): string[] {
  const out: string[] = [];
  for (let at = 0, i = 0; at < text.length; i++) {
    const n = sizes[i % sizes.length] ?? 1;
    out.push(text.slice(at, at + n));
    at += n;
  }
  return out;
}

/** Few runs: each one times inputs up to 2 MiB. No shrinking: it would re-time every step. */
export const growthRuns = { numRuns: 3, endOnFailure: true } as const;
