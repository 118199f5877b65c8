import type { Row, ScenarioOutput } from "../results.js";
import { median } from "../stats.js";
import { chatBody } from "./bodies.js";
import { type RunContext, roundOrder } from "./context.js";
import { Tally } from "./tally.js";

/**
 * Unpaced streams of growing length: the time per chunk should stay flat from 10 to 10,000
 * chunks (no quadratic buffering, no per-stream state that grows). Against direct, the added
 * time per chunk is the gateway's own cost per chunk.
 */
export async function growthScenario(ctx: RunContext): Promise<ScenarioOutput> {
  const { sizes, requests, rounds } = ctx.mode.growth;
  const ids = ctx.contenders.map((c) => c.id);
  const rows: Row[] = [];
  const received: Record<string, number[]> = {};
  for (const [i, size] of sizes.entries()) {
    const perChunk = new Tally();
    for (let round = 0; round < rounds; round++) {
      ctx.progress(`growth: ${size} chunks, round ${round + 1}/${rounds}`);
      for (const c of roundOrder(ctx.contenders, round)) {
        const r = await ctx.load.run({
          kind: "sequential",
          target: c.target,
          body: chatBody(c.model, true, size),
          warmup: 1,
          count: requests[i] ?? 1,
        });
        perChunk.fail(c.id, r.errors, r.firstError);
        if (r.latenciesMs.length) perChunk.add(c.id, (median(r.latenciesMs) * 1000) / size);
        received[`${c.id}.${size}`] = r.tokens;
      }
    }
    rows.push({
      id: `growth.per-chunk.${size}`,
      section: "Growth",
      metric: `time per chunk, ${size}-chunk stream, unpaced`,
      unit: "µs",
      better: "lower",
      againstDirect: true,
      cells: perChunk.cells(ids),
    });
  }
  return { rows, details: { growthTokensReceived: received } };
}
