import type { ContenderId } from "../contenders/types.js";
import type { ScenarioOutput } from "../results.js";
import { distribution, percentiles } from "../stats.js";
import { chatBody } from "./bodies.js";
import { type RunContext, roundOrder } from "./context.js";
import { SMALL_ANSWER_TOKENS } from "./sequential.js";
import { Tally } from "./tally.js";

/** The non-streaming latency distribution: p50/p90/p99 per round of sequential requests. */
export async function latencyScenario(ctx: RunContext): Promise<ScenarioOutput> {
  const { warmup, rounds, perRound } = ctx.mode.latency;
  const tallies = { p50: new Tally(), p90: new Tally(), p99: new Tally() };
  const pooled = new Map<ContenderId, number[]>();
  for (let round = 0; round < rounds; round++) {
    ctx.progress(`non-streaming latency: round ${round + 1}/${rounds}`);
    for (const c of roundOrder(ctx.contenders, round)) {
      const r = await ctx.load.run({
        kind: "sequential",
        target: c.target,
        body: chatBody(c.model, false, SMALL_ANSWER_TOKENS),
        warmup,
        count: perRound,
      });
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
    rows: Object.entries(tallies).map(([key, tally]) => ({
      id: `nonstreaming.latency.${key}`,
      section: "Non-streaming",
      metric: `latency ${key}, sequential (${rounds} × ${perRound} requests, median of rounds)`,
      unit: "ms",
      better: "lower",
      againstDirect: true,
      cells: tally.cells(ids),
    })),
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
