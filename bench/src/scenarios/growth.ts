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
  const totals = new Map<number, Tally>(); // median time per response, ms
  for (const [i, size] of sizes.entries()) {
    const perChunk = new Tally();
    const total = new Tally();
    totals.set(size, total);
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
        total.fail(c.id, r.errors, r.firstError);
        if (r.latenciesMs.length) {
          perChunk.add(c.id, (median(r.latenciesMs) * 1000) / size);
          total.add(c.id, median(r.latenciesMs));
        }
        // Distinct chunk counts seen: one number when every response arrived whole.
        received[`${c.id}.${size}`] = [
          ...new Set([...(received[`${c.id}.${size}`] ?? []), ...r.tokens]),
        ];
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
  // The marginal cost: what each extra chunk costs between two lengths, the fixed cost of a
  // request taken out. Flat from size to size means no per-chunk cost grows with the stream.
  for (let i = 1; i < sizes.length; i++) {
    const [from, to] = [sizes[i - 1]!, sizes[i]!];
    const cells: Row["cells"] = {};
    for (const id of ids) {
      const a = totals.get(from)!.cell(id);
      const b = totals.get(to)!.cell(id);
      cells[id] =
        "value" in a && "value" in b
          ? { value: ((b.value - a.value) * 1000) / (to - from) }
          : { failed: "failed" in b ? b.failed : "failed" in a ? a.failed : "no result" };
    }
    rows.push({
      id: `growth.marginal.${to}`,
      section: "Growth",
      metric: `marginal time per chunk, ${from} → ${to} chunks`,
      unit: "µs",
      better: "lower",
      againstDirect: true,
      cells,
    });
  }
  return { rows, details: { growthTokensReceived: received } };
}
