import type { ContenderId, ContenderInfo } from "./contenders/types.js";
import type { ModeName } from "./modes.js";

export type Unit = "ms" | "req/s" | "chunks/s" | "KB" | "MB" | "µs";

/** One contender's figure in a row: a number, or why there is none. */
export type Cell = { value: number; errors?: number } | { failed: string };

/** One line of the table: the same figure for every contender. */
export interface Row {
  id: string; // stable key, e.g. "streaming.ttft.p50.c200"
  section: string;
  metric: string;
  unit: Unit;
  better: "lower" | "higher";
  /** Shown as contender − direct and contender ÷ direct beside the absolute figure. */
  againstDirect: boolean;
  cells: Partial<Record<ContenderId, Cell>>;
}

/** A latency distribution for the chart: percentiles 0..100 with p99.9 after p99 (stats.distribution). */
export interface Distribution {
  title: string;
  unit: "ms";
  series: Partial<Record<ContenderId, number[]>>;
}

export interface ScenarioOutput {
  rows: Row[];
  distributions?: Distribution[];
  details?: Record<string, unknown>; // raw per-round figures, for latest.json
}

export interface ContenderStatus extends ContenderInfo {
  status: "ran" | "not run";
  reason?: string;
  exceptions?: string[]; // what its process logged: the cause behind failed cells
}

export interface TargetCheck {
  target: string;
  row: string;
  limit: number;
  unit: Unit;
  added: boolean; // value is Thinkgate − direct, not Thinkgate's own figure
  value: number | null; // Thinkgate (Node)'s figure, null when it has none
  met: boolean | null;
}

export interface Results {
  date: string;
  mode: ModeName;
  durationS: number;
  machine: Record<string, unknown>;
  upstream: Record<string, unknown>;
  contenders: ContenderStatus[];
  method: Record<string, unknown>;
  rows: Row[];
  normalizer: Record<string, unknown>;
  targets: TargetCheck[];
  distributions: Distribution[];
  details: Record<string, unknown>;
}
