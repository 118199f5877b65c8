import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { BENCH_DIR, TSX_NODE } from "../processes/upstream.js";
import type { Cell, Row, ScenarioOutput } from "../results.js";
import type { RunContext } from "./context.js";

const run = promisify(execFile);

export interface OwnWork {
  nonStreamingUs: number;
  streamingUs: number;
  perChunkUs: number;
}

/**
 * Thinkgate's own work per request, without the network: the gateway app called in process
 * (app.fetch) in a short-lived child of its own (own-work/own-work-main.ts), its upstream a
 * replay of the emulator's recorded answers. Only Thinkgate has these figures; the Node column
 * carries them (the same code runs in workerd).
 */
export async function ownWorkScenario(ctx: RunContext): Promise<ScenarioOutput> {
  if (!ctx.contenders.some((c) => c.id === "thinkgate-node")) return { rows: [] };
  ctx.progress("Thinkgate's own work, in process");
  const plan = ctx.mode.ownWork;
  const [node, ...flags] = TSX_NODE;
  let outcome: Partial<OwnWork> | { failed: string };
  try {
    const { stdout } = await run(
      node,
      [...flags, join(BENCH_DIR, "src/own-work/own-work-main.ts"), JSON.stringify(plan)],
      { cwd: BENCH_DIR, timeout: 180_000 },
    );
    outcome = JSON.parse(stdout.trim().split("\n").pop() ?? "{}");
  } catch (error) {
    const e = error as Error & { stderr?: string };
    const why = e.stderr?.match(/\b[A-Z]\w*Error: .*/)?.[0] ?? e.message;
    outcome = { failed: why.slice(0, 300) };
  }
  const cell = (key: keyof OwnWork): Cell => {
    if ("failed" in outcome) return { failed: outcome.failed };
    const value = outcome[key];
    return typeof value === "number" && Number.isFinite(value)
      ? { value }
      : { failed: `no figure for ${key}` };
  };
  const row = (id: string, metric: string, key: keyof OwnWork): Row => ({
    id,
    section: "Gateway's own work (in process, no network)",
    metric,
    unit: "µs",
    better: "lower",
    againstDirect: false,
    cells: { "thinkgate-node": cell(key) },
  });
  const rounds = `median of ${plan.rounds} round${plan.rounds === 1 ? "" : "s"}`;
  return {
    rows: [
      row(
        "ownwork.nonstreaming",
        `per non-streaming request, 16 tokens (${rounds})`,
        "nonStreamingUs",
      ),
      row("ownwork.streaming", `per streaming request, 16 tokens (${rounds})`, "streamingUs"),
      row(
        "ownwork.per-chunk",
        `per chunk, marginal from 100 to 1,000 chunks (${rounds})`,
        "perChunkUs",
      ),
    ],
    details: { ownWork: outcome },
  };
}
