import type { Row, TargetCheck, Unit } from "./results.js";

/** The issue's targets for Thinkgate on Node, each read from one row of the table. */
const TARGETS: { target: string; row: string; limit: number; unit: Unit; added: boolean }[] = [
  {
    target: "adds < 0.4 ms, sequential (Bifrost publishes ~0.44 ms)",
    row: "nonstreaming.sequential",
    limit: 0.4,
    unit: "ms",
    added: true,
  },
  {
    target: "adds < 1 ms to time to first token (1 stream)",
    row: "streaming.ttft.p50.c1",
    limit: 1,
    unit: "ms",
    added: true,
  },
  {
    target: "adds < 1 ms p50 per chunk, 200 concurrent streams",
    row: "streaming.lateness.p50.c200",
    limit: 1,
    unit: "ms",
    added: true,
  },
  {
    target: "adds < 5 ms p99 per chunk, 200 concurrent streams",
    row: "streaming.lateness.p99.c200",
    limit: 5,
    unit: "ms",
    added: true,
  },
  {
    target: "adds < 1 ms p50 to time to first token, 200 concurrent streams",
    row: "streaming.ttft.p50.c200",
    limit: 1,
    unit: "ms",
    added: true,
  },
  {
    target: "adds < 5 ms p99 to time to first token, 200 concurrent streams",
    row: "streaming.ttft.p99.c200",
    limit: 5,
    unit: "ms",
    added: true,
  },
  {
    target: "< 50 KB per open stream (1,000 streams)",
    row: "memory.per-stream.1000",
    limit: 50,
    unit: "KB",
    added: false,
  },
  {
    target: "< 50 KB per open stream (5,000 streams)",
    row: "memory.per-stream.5000",
    limit: 50,
    unit: "KB",
    added: false,
  },
  {
    target: "own work < 250 µs per non-streaming request (in process)",
    row: "ownwork.nonstreaming",
    limit: 250,
    unit: "µs",
    added: false,
  },
  {
    target: "own work < 20 µs per chunk (in process)",
    row: "ownwork.per-chunk",
    limit: 20,
    unit: "µs",
    added: false,
  },
];

const numberIn = (row: Row | undefined, id: "thinkgate-node" | "direct"): number | null => {
  const cell = row?.cells[id];
  return cell && "value" in cell ? cell.value : null;
};

export function checkTargets(rows: Row[]): TargetCheck[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const checks: TargetCheck[] = [];
  for (const t of TARGETS) {
    const row = byId.get(t.row);
    if (!row) continue; // not measured in this mode
    const tg = numberIn(row, "thinkgate-node");
    const direct = numberIn(row, "direct");
    const value = tg === null ? null : t.added ? (direct === null ? null : tg - direct) : tg;
    checks.push({
      target: t.target,
      row: t.row,
      limit: t.limit,
      unit: t.unit,
      added: t.added,
      value,
      met: value === null ? null : value < t.limit,
    });
  }
  // "Less than Portkey in every row": every row where both have a figure.
  let compared = 0;
  const lost: string[] = [];
  for (const row of rows) {
    const tg = numberIn(row, "thinkgate-node");
    const pk = row.cells.portkey;
    if (tg === null || !pk || !("value" in pk)) continue;
    compared++;
    const better = row.better === "lower" ? tg < pk.value : tg > pk.value;
    if (!better) lost.push(row.id);
  }
  checks.push({
    target: `better than Portkey in every row both have (${compared} rows${lost.length ? `; behind in ${lost.join(", ")}` : ""})`,
    row: "*",
    limit: 0,
    unit: "ms",
    added: false,
    value: lost.length,
    met: compared === 0 ? null : lost.length === 0,
  });
  return checks;
}
