// What the parent asks the load generator process to do, and what it answers. Plain data:
// it crosses the IPC channel as JSON.

/** Where requests go: one origin, one path, the contender's own headers. */
export interface Target {
  origin: string; // "http://127.0.0.1:PORT"
  path: string; // "/v1/chat/completions"
  headers: Record<string, string>;
}

/** The emulator's pacing for a streamed answer: token j is due at firstByte + (1 + j) × chunk. */
export interface Schedule {
  firstByteDelayMs: number;
  chunkDelayMs: number;
}

/** One request after another on one keep-alive connection (the llm-gateway-bench method). */
export interface SequentialJob {
  kind: "sequential";
  target: Target;
  body: string;
  warmup: number; // requests sent first and discarded
  count: number;
}
export interface SequentialResult {
  latenciesMs: number[];
  tokens: number[]; // token chunks per response (0 for JSON responses)
  errors: number;
  firstError?: string;
}

/** `connections` requests always in flight for a while: the most a contender can serve. */
export interface ClosedLoopJob {
  kind: "closed-loop";
  target: Target;
  body: string;
  connections: number;
  warmupMs: number;
  durationMs: number;
  /** Stop starting requests once this many were started, even before the time is up. */
  maxRequests?: number;
}
export interface ClosedLoopResult {
  completed: number; // finished inside the measured window
  served: number; // answered without error, warm-up and stragglers included (CPU per request)
  elapsedMs: number;
  latenciesMs: number[];
  errors: number;
  firstError?: string;
}

/** `concurrency` streams always open, each started as soon as the previous one ended. */
export interface StreamsJob {
  kind: "streams";
  target: Target;
  body: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  schedule?: Schedule; // known pacing: measure each token's lateness against it
  /**
   * Stream k starts k/concurrency of this after the first: arrivals spread over one stream's
   * length, so the streams are in every phase at once (steady state), not in lock-step waves.
   */
  staggerMs?: number;
}
export interface StreamsResult {
  streams: number;
  tokens: number; // token chunks that arrived inside the measured window
  elapsedMs: number;
  ttftMs: number[];
  latenessMs: number[];
  errors: number;
  firstError?: string;
}

/** Opens `count` streams that the upstream holds open, and keeps them until close-streams. */
export interface OpenStreamsJob {
  kind: "open-streams";
  target: Target;
  body: string;
  count: number;
  batch: number; // opened this many at a time, so no listen backlog overflows
}
export interface OpenStreamsResult {
  opened: number; // streams that delivered their first token and are still open
  errors: number;
  firstError?: string;
}

export interface CloseStreamsJob {
  kind: "close-streams";
}
export interface CloseStreamsResult {
  closed: number;
}

export type Job = SequentialJob | ClosedLoopJob | StreamsJob | OpenStreamsJob | CloseStreamsJob;

export interface ResultOf {
  sequential: SequentialResult;
  "closed-loop": ClosedLoopResult;
  streams: StreamsResult;
  "open-streams": OpenStreamsResult;
  "close-streams": CloseStreamsResult;
}

export type Request = { id: number; job: Job };
export type Reply = { id: number; result: unknown } | { id: number; error: string };
