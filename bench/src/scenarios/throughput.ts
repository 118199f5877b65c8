import type { ContenderId } from "../contenders/types.js";
import type { ScenarioOutput } from "../results.js";
import { distribution, percentiles } from "../stats.js";
import { chatBody } from "./bodies.js";
import { type RunContext, roundOrder } from "./context.js";
import { CpuTally, cpuRow } from "./cpu.js";
import { SMALL_ANSWER_TOKENS } from "./sequential.js";
import { Tally } from "./tally.js";

/** Non-streaming max throughput: a closed loop keeps every connection busy. */
export async function throughputScenario(ctx: RunContext): Promise<ScenarioOutput> {
  const { rounds, connections, warmupMs, durationMs } = ctx.mode.throughput;
  const rps = new Tally();
  const p50 = new Tally();
  const p99 = new Tally();
  const cpu = new CpuTally();
  const pooled = new Map<ContenderId, number[]>();
  for (let round = 0; round < rounds; round++) {
    ctx.progress(`non-streaming throughput: round ${round + 1}/${rounds}`);
    for (const c of roundOrder(ctx.contenders, round)) {
      const r = await cpu.measure(
        c,
        () =>
          ctx.load.run({
            kind: "closed-loop",
            target: c.target,
            body: chatBody(c.model, false, SMALL_ANSWER_TOKENS),
            connections,
            warmupMs,
            durationMs,
          }),
        (result) => result.served,
      );
      for (const tally of [rps, p50, p99]) tally.fail(c.id, r.errors, r.firstError);
      if (r.completed > 0) rps.add(c.id, (r.completed * 1000) / r.elapsedMs);
      pooled.set(c.id, [...(pooled.get(c.id) ?? []), ...r.latenciesMs]);
      const p = percentiles(r.latenciesMs);
      if (p.n) {
        p50.add(c.id, p.p50);
        p99.add(c.id, p.p99);
      }
    }
  }
  const ids = ctx.contenders.map((c) => c.id);
  const row = (id: string, metric: string, unit: "ms" | "req/s", tally: Tally) => ({
    id,
    section: "Non-streaming",
    metric,
    unit,
    better: unit === "ms" ? ("lower" as const) : ("higher" as const),
    againstDirect: true,
    cells: tally.cells(ids),
  });
  return {
    rows: [
      row("nonstreaming.throughput", `max throughput, ${connections} connections`, "req/s", rps),
      row("nonstreaming.loaded.p50", `latency p50 at ${connections} connections`, "ms", p50),
      row("nonstreaming.loaded.p99", `latency p99 at ${connections} connections`, "ms", p99),
      cpuRow("cpu.loaded", `at ${connections} connections`, cpu.cells(ids)),
    ],
    distributions: [
      {
        title: `Non-streaming request latency, ${connections} connections`,
        unit: "ms",
        series: Object.fromEntries(
          [...pooled].filter(([, v]) => v.length > 0).map(([id, v]) => [id, distribution(v)]),
        ),
      },
    ],
  };
}
