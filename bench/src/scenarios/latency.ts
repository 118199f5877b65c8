import type { ContenderId } from "../contenders/types.js";
import type { ScenarioOutput } from "../results.js";
import { distribution, percentiles } from "../stats.js";
import { chatBody } from "./bodies.js";
import { type RunContext, roundOrder } from "./context.js";
import { CpuTally, cpuRow } from "./cpu.js";
import { SMALL_ANSWER_TOKENS } from "./sequential.js";
import { Tally } from "./tally.js";

/** The non-streaming latency distribution: p50/p90/p99 per round of sequential requests. */
export async function latencyScenario(ctx: RunContext): Promise<ScenarioOutput> {
  const { warmup, rounds, perRound } = ctx.mode.latency;
  const tallies = { p50: new Tally(), p90: new Tally(), p99: new Tally() };
  const pooled = new Map<ContenderId, number[]>();
  const cpu = new CpuTally();
  for (let round = 0; round < rounds; round++) {
    ctx.progress(`non-streaming latency: round ${round + 1}/${rounds}`);
    for (const c of roundOrder(ctx.contenders, round)) {
      const body = chatBody(c.model, false, SMALL_ANSWER_TOKENS);
      await ctx.load.run({ kind: "sequential", target: c.target, body, warmup, count: 0 });
      // CPU time is read in 10 ms clock ticks: counted over these 300-request rounds, not the
      // 25-request rounds of the sequential method, where one tick is 0.4 ms per request.
      const r = await cpu.measure(
        c,
        () =>
          ctx.load.run({ kind: "sequential", target: c.target, body, warmup: 0, count: perRound }),
        (result) => result.latenciesMs.length,
      );
      const p = percentiles(r.latenciesMs);
      for (const [key, tally] of Object.entries(tallies)) {
        tally.fail(c.id, r.errors, r.firstError);
        if (p.n) tally.add(c.id, p[key as keyof typeof tallies]);
      }
      pooled.set(c.id, [...(pooled.get(c.id) ?? []), ...r.latenciesMs]);
    }
  }
  const ids = ctx.contenders.map((c) => c.id);
  return {
    rows: [
      ...Object.entries(tallies).map(([key, tally]) => ({
        id: `nonstreaming.latency.${key}`,
        section: "Non-streaming",
        metric: `latency ${key}, sequential (${rounds} × ${perRound} requests, median of rounds)`,
        unit: "ms" as const,
        better: "lower" as const,
        againstDirect: true,
        cells: tally.cells(ids),
      })),
      cpuRow("cpu.sequential", `sequential (${rounds} × ${perRound} requests)`, cpu.cells(ids)),
    ],
    distributions: [
      {
        title: "Non-streaming request latency, sequential",
        unit: "ms",
        series: Object.fromEntries(
          [...pooled].filter(([, v]) => v.length > 0).map(([id, v]) => [id, distribution(v)]),
        ),
      },
    ],
  };
}
