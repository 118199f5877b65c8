import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { BENCH_DIR, TSX_NODE } from "../processes/upstream.js";
import type { RunContext } from "./context.js";

const run = promisify(execFile);

/** The normalizer's MB/s, measured in a process of its own (packages/core, no HTTP). */
export async function normalizerScenario(ctx: RunContext): Promise<Record<string, unknown>> {
  ctx.progress("normalizer throughput");
  const { chunks, rounds } = ctx.mode.normalizer;
  const [node, ...flags] = TSX_NODE;
  try {
    const { stdout } = await run(
      node,
      [
        ...flags,
        join(BENCH_DIR, "src/normalizer/throughput-main.ts"),
        String(chunks),
        String(rounds),
      ],
      { cwd: BENCH_DIR, timeout: 120_000 },
    );
    return JSON.parse(stdout.trim().split("\n").pop() ?? "{}");
  } catch (error) {
    return { failed: (error as Error).message };
  }
}
