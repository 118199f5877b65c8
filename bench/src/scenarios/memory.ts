import { setTimeout as sleep } from "node:timers/promises";
import type { Contender, ContenderId } from "../contenders/types.js";
import { rssBytes } from "../processes/rss.js";
import type { Cell, Row, ScenarioOutput } from "../results.js";
import { median } from "../stats.js";
import { heldStreamBody } from "./bodies.js";
import type { RunContext } from "./context.js";

const KB = 1024;
const MB = 1024 * 1024;

/**
 * Resident memory of each gateway process with N streams open (each has delivered its first
 * token; the upstream then holds it silent), against the same process idle just before. Node
 * contenders run a full GC before each reading, so garbage a lazy GC has not swept yet is not
 * counted as memory the streams hold.
 */
export async function memoryScenario(ctx: RunContext): Promise<ScenarioOutput> {
  const { streams, batch, samples } = ctx.mode.memory;
  const gateways = ctx.contenders.filter((c) => c.memoryPids !== undefined);
  const perStream = new Map<number, Partial<Record<ContenderId, Cell>>>();
  const total = new Map<number, Partial<Record<ContenderId, Cell>>>();
  const idle: Partial<Record<ContenderId, Cell>> = {};
  const details: Record<string, unknown> = {};

  for (const n of streams) {
    perStream.set(n, {});
    total.set(n, {});
    for (const c of gateways) {
      ctx.progress(`memory: ${n} open streams through ${c.label}`);
      const outcome = await measure(ctx, c, n, batch, samples);
      details[`${c.id}.${n}`] = outcome;
      if (!(c.id in idle)) {
        idle[c.id] = outcome.idleBytes
          ? { value: outcome.idleBytes / MB }
          : { failed: "no process" };
      }
      if ("failed" in outcome) {
        perStream.get(n)![c.id] = { failed: outcome.failed };
        total.get(n)![c.id] = { failed: outcome.failed };
      } else {
        perStream.get(n)![c.id] = { value: (outcome.openBytes - outcome.idleBytes) / n / KB };
        total.get(n)![c.id] = { value: outcome.openBytes / MB };
      }
    }
  }
  const row = (id: string, metric: string, unit: "KB" | "MB", cells: Row["cells"]): Row => ({
    id,
    section: "Memory",
    metric,
    unit,
    better: "lower",
    againstDirect: false,
    cells,
  });
  const rows: Row[] = [row("memory.idle", "resident memory, idle after warm-up", "MB", idle)];
  for (const n of streams) {
    rows.push(
      row(`memory.total.${n}`, `resident memory with ${n} open streams`, "MB", total.get(n)!),
    );
    rows.push(
      row(
        `memory.per-stream.${n}`,
        `memory per open stream, ${n} streams`,
        "KB",
        perStream.get(n)!,
      ),
    );
  }
  return { rows, details: { memory: details } };
}

type Outcome =
  | { idleBytes: number; openBytes: number; opened: number }
  | { idleBytes: number; failed: string; opened: number };

async function measure(
  ctx: RunContext,
  c: Contender,
  n: number,
  batch: number,
  samples: number,
): Promise<Outcome> {
  const pids = c.memoryPids!();
  if (pids.length === 0) return { idleBytes: 0, opened: 0, failed: "its process is not running" };
  await collectGarbage(c);
  const idleBytes = await sampleRss(pids, samples);
  const opened = await ctx.load.run({
    kind: "open-streams",
    target: c.target,
    body: heldStreamBody(c.model),
    count: n,
    batch,
  });
  try {
    if (opened.opened < n) {
      return {
        idleBytes,
        opened: opened.opened,
        failed: `${opened.opened} of ${n} streams opened; first error: ${opened.firstError ?? "none"}`,
      };
    }
    await sleep(500); // let the last batch's buffers settle
    await collectGarbage(c);
    return { idleBytes, openBytes: await sampleRss(pids, samples), opened: opened.opened };
  } finally {
    await ctx.load.run({ kind: "close-streams" });
    await sleep(500); // the gateway notices the aborts and cancels its upstreams
  }
}

async function sampleRss(pids: number[], samples: number): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < samples; i++) {
    if (i > 0) await sleep(200);
    values.push(pids.reduce((sum, pid) => sum + rssBytes(pid), 0));
  }
  return median(values);
}

async function collectGarbage(c: Contender): Promise<void> {
  const inspector = await c.inspect?.();
  if (!inspector) return;
  try {
    await inspector.collectGarbage();
  } finally {
    inspector.close();
  }
}
