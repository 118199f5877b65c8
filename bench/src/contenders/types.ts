import type { Target } from "../load/jobs.js";
import type { Inspector } from "../processes/inspector.js";

export type ContenderId =
  | "direct"
  | "node-proxy"
  | "thinkgate-node"
  | "thinkgate-workerd"
  | "portkey";

/** Also the report's column order. */
export const CONTENDER_IDS: readonly ContenderId[] = [
  "direct",
  "node-proxy",
  "thinkgate-node",
  "thinkgate-workerd",
  "portkey",
];

export interface ContenderInfo {
  id: ContenderId;
  label: string;
  version: string;
  note?: string;
}

/** A contender that is up: where to send requests, and which process holds its memory. */
export interface Contender extends ContenderInfo {
  target: Target;
  model: string; // the model name this contender knows the upstream model by
  /** The processes whose resident memory is the contender's own; absent for direct. */
  memoryPids?: () => number[];
  /** Whose CPU time is counted for it when not its memoryPids: direct's is the emulator's. */
  cpuPids?: () => number[];
  /** A DevTools session with the contender's process (Node contenders): GC, heap snapshots. */
  inspect?: () => Promise<Inspector>;
  /** Exceptions the contender's process logged during the run. */
  exceptions?: () => string[];
  stop(): Promise<void>;
}

export type Started =
  | { ok: true; contender: Contender }
  | { ok: false; info: ContenderInfo; reason: string };

export interface StartContext {
  upstreamUrl: string; // the emulator, "http://127.0.0.1:PORT"
  upstreamPid: number; // the emulator's process: direct's CPU time is its
  logDir: string; // per-run scratch directory: child logs, generated config
  cpuProfileDir?: string; // Thinkgate on Node writes a V8 CPU profile here when it exits
}

/** The emulated backend every contender talks to: vLLM ≥ 0.16 with a reasoning parser. */
export const UPSTREAM_PREFIX = "/vllm/v1";
export const UPSTREAM_MODEL = "Qwen/QwQ-32B";
