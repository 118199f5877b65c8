import type { ScenarioOutput } from "../results.js";
import { median } from "../stats.js";
import { chatBody } from "./bodies.js";
import { type RunContext, roundOrder } from "./context.js";
import { Tally } from "./tally.js";

/** Tokens in the non-streaming answers: the emulator's default length (8 + 8 pieces). */
export const SMALL_ANSWER_TOKENS = 16;

/**
 * llm-gateway-bench's method, so our figure sits beside its published ones: warm-ups, then
 * rounds of sequential requests, the median of each round, the median of those medians.
 */
export async function sequentialScenario(ctx: RunContext): Promise<ScenarioOutput> {
  const { warmup, rounds, perRound } = ctx.mode.sequential;
  const tally = new Tally();
  const body = (model: string) => chatBody(model, false, SMALL_ANSWER_TOKENS);
  for (const c of ctx.contenders) {
    await ctx.load.run({
      kind: "sequential",
      target: c.target,
      body: body(c.model),
      warmup,
      count: 0,
    });
  }
  for (let round = 0; round < rounds; round++) {
    ctx.progress(`sequential: round ${round + 1}/${rounds}`);
    for (const c of roundOrder(ctx.contenders, round)) {
      const r = await ctx.load.run({
        kind: "sequential",
        target: c.target,
        body: body(c.model),
        warmup: 0,
        count: perRound,
      });
      tally.fail(c.id, r.errors, r.firstError);
      if (r.latenciesMs.length) tally.add(c.id, median(r.latenciesMs));
    }
  }
  const ids = ctx.contenders.map((c) => c.id);
  return {
    rows: [
      {
        id: "nonstreaming.sequential",
        section: "Non-streaming",
        metric: `sequential request, median of ${rounds} round medians (llm-gateway-bench method)`,
        unit: "ms",
        better: "lower",
        againstDirect: true,
        cells: tally.cells(ids),
      },
    ],
    details: {
      sequentialRoundMediansMs: Object.fromEntries(ids.map((id) => [id, tally.rounds(id)])),
    },
  };
}
