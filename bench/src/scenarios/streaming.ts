import type { ContenderId } from "../contenders/types.js";
import type { Distribution, Row, ScenarioOutput } from "../results.js";
import { distribution, percentiles } from "../stats.js";
import { chatBody } from "./bodies.js";
import { type RunContext, roundOrder } from "./context.js";
import { Tally } from "./tally.js";

/**
 * Streams at each concurrency. Paced streams (fixed time to first token, fixed chunk pace) give
 * the time to first token and each chunk's lateness against the upstream's schedule; unpaced
 * streams give the most chunks per second a contender delivers.
 */
export async function streamingScenario(ctx: RunContext): Promise<ScenarioOutput> {
  const { concurrency, rounds, warmupMs, durationMs, paced, unpacedTokens } = ctx.mode.streaming;
  const schedule = { firstByteDelayMs: paced.firstByteDelayMs, chunkDelayMs: paced.chunkDelayMs };
  // One paced stream's length (role, the tokens, the finish chunk): arrivals spread over it.
  const streamMs = paced.firstByteDelayMs + (paced.tokens + 1) * paced.chunkDelayMs;
  const ids = ctx.contenders.map((c) => c.id);
  const rows: Row[] = [];
  const distributions: Distribution[] = [];
  const row = (id: string, metric: string, unit: "ms" | "chunks/s", tally: Tally): Row => ({
    id,
    section: "Streaming",
    metric,
    unit,
    better: unit === "ms" ? "lower" : "higher",
    againstDirect: true,
    cells: tally.cells(ids),
  });

  for (const c of concurrency) {
    const t = {
      ttft50: new Tally(),
      ttft99: new Tally(),
      late50: new Tally(),
      late99: new Tally(),
    };
    const rate = new Tally();
    const pooledTtft = new Map<ContenderId, number[]>();
    const pooledLate = new Map<ContenderId, number[]>();
    for (let round = 0; round < rounds; round++) {
      ctx.progress(`streaming, ${c} concurrent: round ${round + 1}/${rounds}`);
      for (const contender of roundOrder(ctx.contenders, round)) {
        const r = await ctx.load.run({
          kind: "streams",
          target: contender.target,
          body: chatBody(contender.model, true, paced.tokens, schedule),
          concurrency: c,
          warmupMs: Math.max(warmupMs, streamMs), // measured once every stream is under way
          durationMs,
          schedule,
          staggerMs: streamMs,
        });
        for (const tally of Object.values(t)) tally.fail(contender.id, r.errors, r.firstError);
        const ttft = percentiles(r.ttftMs);
        const late = percentiles(r.latenessMs);
        if (ttft.n) {
          t.ttft50.add(contender.id, ttft.p50);
          t.ttft99.add(contender.id, ttft.p99);
        }
        if (late.n) {
          t.late50.add(contender.id, late.p50);
          t.late99.add(contender.id, late.p99);
        }
        pooledTtft.set(contender.id, [...(pooledTtft.get(contender.id) ?? []), ...r.ttftMs]);
        pooledLate.set(contender.id, [...(pooledLate.get(contender.id) ?? []), ...r.latenessMs]);
      }
      for (const contender of roundOrder(ctx.contenders, round)) {
        const r = await ctx.load.run({
          kind: "streams",
          target: contender.target,
          body: chatBody(contender.model, true, unpacedTokens),
          concurrency: c,
          warmupMs,
          durationMs,
        });
        rate.fail(contender.id, r.errors, r.firstError);
        if (r.tokens > 0) rate.add(contender.id, (r.tokens * 1000) / r.elapsedMs);
      }
    }
    const at = `${c} concurrent stream${c === 1 ? "" : "s"}`;
    rows.push(
      row(`streaming.ttft.p50.c${c}`, `time to first token p50, ${at}`, "ms", t.ttft50),
      row(`streaming.ttft.p99.c${c}`, `time to first token p99, ${at}`, "ms", t.ttft99),
      row(
        `streaming.lateness.p50.c${c}`,
        `chunk latency p50 (lateness vs schedule), ${at}`,
        "ms",
        t.late50,
      ),
      row(
        `streaming.lateness.p99.c${c}`,
        `chunk latency p99 (lateness vs schedule), ${at}`,
        "ms",
        t.late99,
      ),
      row(`streaming.throughput.c${c}`, `throughput, unpaced, ${at}`, "chunks/s", rate),
    );
    const series = (pooled: Map<ContenderId, number[]>) =>
      Object.fromEntries(
        [...pooled].filter(([, v]) => v.length > 0).map(([id, v]) => [id, distribution(v)]),
      );
    distributions.push(
      { title: `Time to first token, ${at}`, unit: "ms", series: series(pooledTtft) },
      { title: `Chunk lateness, ${at}`, unit: "ms", series: series(pooledLate) },
    );
  }
  return { rows, distributions };
}
