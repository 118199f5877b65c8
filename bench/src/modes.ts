import type { Schedule } from "./load/jobs.js";

export type ModeName = "full" | "quick" | "smoke";

/**
 * Thinkgate's own work, in process (own-work/own-work-main.ts): per round, `requests` 16-token
 * requests non-streaming and as many streaming, then `chunkRequests` streamed answers of 100
 * and of 1,000 chunks; `warmupRounds` whole rounds first, discarded.
 */
export interface OwnWorkPlan {
  warmupRounds: number;
  rounds: number;
  requests: number;
  chunkRequests: [number, number];
}

/** How much of everything a run does. `full` is `pnpm bench` (5–10 minutes on 2 cores). */
export interface Mode {
  name: ModeName;
  /**
   * Before the first scenario, every contender the same: a closed loop of `connections` sending
   * `requests` non-streaming requests (at most `maxMs`), then `streams` unpaced streams of
   * `streamTokens` chunks for `streamingMs`. Nothing of it is kept: production gateways are
   * warm, and a fresh Node process is still compiling its hot paths (over the first 3,000
   * requests Thinkgate's sequential median about halves). What warms is the request count, not
   * the time: a few connections only get there sooner than one.
   */
  warmup: {
    connections: number;
    requests: number;
    maxMs: number;
    streams: number;
    streamTokens: number;
    streamingMs: number;
  };
  /** llm-gateway-bench's method: warm-ups, then rounds of sequential requests; median of round medians. */
  sequential: { warmup: number; rounds: number; perRound: number };
  /** Non-streaming latency distribution: sequential requests, percentiles per round. */
  latency: { warmup: number; rounds: number; perRound: number };
  /** Non-streaming max throughput: a closed loop of `connections`. */
  throughput: { rounds: number; connections: number; warmupMs: number; durationMs: number };
  /** Paced streams (TTFT, per-chunk lateness) and unpaced streams (chunks/s) per concurrency. */
  streaming: {
    concurrency: number[];
    rounds: number;
    warmupMs: number;
    durationMs: number;
    paced: Schedule & { tokens: number };
    unpacedTokens: number;
  };
  /** Open streams held by the upstream while the gateway's RSS is read. */
  memory: { streams: number[]; batch: number; samples: number };
  /** Unpaced responses of growing length: cost per chunk. */
  growth: { sizes: number[]; requests: number[]; rounds: number };
  normalizer: { rounds: number; chunks: number };
  ownWork: OwnWorkPlan;
}

export const MODES: Record<ModeName, Mode> = {
  full: {
    name: "full",
    warmup: {
      connections: 4,
      requests: 3000,
      maxMs: 15_000,
      streams: 4,
      streamTokens: 40,
      streamingMs: 1500,
    },
    sequential: { warmup: 15, rounds: 7, perRound: 25 },
    latency: { warmup: 30, rounds: 3, perRound: 300 },
    throughput: { rounds: 3, connections: 64, warmupMs: 500, durationMs: 3000 },
    streaming: {
      concurrency: [1, 50, 200],
      rounds: 3,
      warmupMs: 500,
      durationMs: 3000,
      paced: { firstByteDelayMs: 20, chunkDelayMs: 20, tokens: 40 },
      unpacedTokens: 200,
    },
    memory: { streams: [1000, 5000], batch: 250, samples: 3 },
    growth: { sizes: [10, 100, 1000, 10000], requests: [40, 20, 8, 3], rounds: 3 },
    normalizer: { rounds: 5, chunks: 20_000 },
    ownWork: { warmupRounds: 3, rounds: 5, requests: 1000, chunkRequests: [200, 20] },
  },
  quick: {
    name: "quick",
    warmup: {
      connections: 4,
      requests: 1000,
      maxMs: 5000,
      streams: 4,
      streamTokens: 40,
      streamingMs: 500,
    },
    sequential: { warmup: 15, rounds: 3, perRound: 25 },
    latency: { warmup: 10, rounds: 1, perRound: 100 },
    throughput: { rounds: 1, connections: 64, warmupMs: 200, durationMs: 1000 },
    streaming: {
      concurrency: [1, 50, 200],
      rounds: 1,
      warmupMs: 200,
      durationMs: 1000,
      paced: { firstByteDelayMs: 20, chunkDelayMs: 20, tokens: 20 },
      unpacedTokens: 200,
    },
    memory: { streams: [1000], batch: 250, samples: 2 },
    growth: { sizes: [10, 100, 1000, 10000], requests: [10, 5, 2, 1], rounds: 1 },
    normalizer: { rounds: 2, chunks: 5_000 },
    ownWork: { warmupRounds: 2, rounds: 3, requests: 500, chunkRequests: [100, 10] },
  },
  // The test's run: every code path once, as little load as still measures something.
  smoke: {
    name: "smoke",
    warmup: {
      connections: 2,
      requests: 20,
      maxMs: 1000,
      streams: 2,
      streamTokens: 6,
      streamingMs: 100,
    },
    sequential: { warmup: 2, rounds: 1, perRound: 3 },
    latency: { warmup: 1, rounds: 1, perRound: 5 },
    throughput: { rounds: 1, connections: 2, warmupMs: 0, durationMs: 200 },
    streaming: {
      concurrency: [1, 4],
      rounds: 1,
      warmupMs: 0,
      durationMs: 300,
      paced: { firstByteDelayMs: 5, chunkDelayMs: 5, tokens: 6 },
      unpacedTokens: 20,
    },
    memory: { streams: [20], batch: 10, samples: 1 },
    growth: { sizes: [10, 100], requests: [2, 1], rounds: 1 },
    normalizer: { rounds: 1, chunks: 200 },
    ownWork: { warmupRounds: 0, rounds: 1, requests: 5, chunkRequests: [2, 1] },
  },
};
