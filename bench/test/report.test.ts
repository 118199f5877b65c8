import { describe, expect, it } from "vitest";
import { renderMarkdown } from "../src/report/markdown.js";
import { renderSvg } from "../src/report/svg.js";
import type { Results, Row } from "../src/results.js";
import { checkTargets } from "../src/targets.js";

const row = (id: string, cells: Row["cells"], extra: Partial<Row> = {}): Row => ({
  id,
  section: "Non-streaming",
  metric: id,
  unit: "ms",
  better: "lower",
  againstDirect: true,
  cells,
  ...extra,
});

function results(rows: Row[]): Results {
  return {
    date: "2026-11-25T00:00:00.000Z",
    mode: "smoke",
    durationS: 1,
    machine: {
      cpu: "cpu",
      cores: 2,
      memoryGiB: 1,
      os: "Linux",
      node: "v20",
      loadAverageAtStart: [0, 0, 0],
    },
    upstream: {},
    contenders: [
      { id: "direct", label: "Direct", version: "emulator", status: "ran" },
      { id: "thinkgate-node", label: "Thinkgate (Node)", version: "commit x", status: "ran" },
      {
        id: "portkey",
        label: "Portkey (Node)",
        version: "1.15.2",
        status: "ran",
        exceptions: ["TypeError: immutable"],
      },
    ],
    method: {},
    rows,
    normalizer: { skipped: true },
    targets: checkTargets(rows),
    distributions: [],
    details: {},
  };
}

describe("the markdown report", () => {
  it("shows added latency and the multiple of direct, and compares added with added", () => {
    const md = renderMarkdown(
      results([
        row("nonstreaming.sequential", {
          direct: { value: 1 },
          "thinkgate-node": { value: 1.5 },
          portkey: { value: 3 },
        }),
      ]),
    );
    expect(md).toContain(
      "| nonstreaming.sequential | 1.00 ms | 1.50 ms (+0.50, 1.50×) | 3.00 ms (+2.00, 3.00×) | 0.25× added |",
    );
    expect(md).toContain("| Thinkgate (Node) | +0.50 ms | this run |");
    expect(md).toContain("it logged `TypeError: immutable`");
  });

  it("puts a failure in a footnote and leaves the comparison empty", () => {
    const md = renderMarkdown(
      results([
        row("streaming.ttft.p50.c1", {
          direct: { value: 40 },
          "thinkgate-node": { value: 41 },
          portkey: { failed: "HTTP 500: something" },
        }),
      ]),
    );
    expect(md).toMatch(/\| 41\.00 ms \(\+1\.00, 1\.02×\) \| failed\[\^1\] \| — \|/);
    expect(md).toContain("[^1]: HTTP 500: something");
  });

  it("shows — where only Thinkgate has a figure, and checks its own-work targets", () => {
    const own = (id: string, value: number) =>
      row(id, { "thinkgate-node": { value } }, { unit: "µs", againstDirect: false });
    const rows = [own("ownwork.nonstreaming", 180), own("ownwork.per-chunk", 25)];
    const md = renderMarkdown(results(rows));
    expect(md).toContain("| ownwork.nonstreaming | — | 180.00 µs | — | — |");
    const checks = checkTargets(rows);
    expect(checks.find((c) => c.row === "ownwork.nonstreaming")?.met).toBe(true);
    expect(checks.find((c) => c.row === "ownwork.per-chunk")?.met).toBe(false);
  });

  it("checks the targets against Thinkgate minus direct, and Portkey row by row", () => {
    const checks = checkTargets([
      row("nonstreaming.sequential", {
        direct: { value: 1 },
        "thinkgate-node": { value: 1.3 },
        portkey: { value: 3 },
      }),
      row(
        "nonstreaming.throughput",
        { direct: { value: 900 }, "thinkgate-node": { value: 500 }, portkey: { value: 600 } },
        { unit: "req/s", better: "higher" },
      ),
    ]);
    const sequential = checks.find((c) => c.row === "nonstreaming.sequential")!;
    expect(sequential.value).toBeCloseTo(0.3);
    expect(sequential.met).toBe(true);
    const portkey = checks.find((c) => c.row === "*")!;
    expect(portkey.met).toBe(false);
    expect(portkey.target).toContain("behind in nonstreaming.throughput");
  });
});

describe("the latency chart", () => {
  it("draws one line per contender per panel and a legend of those present only", () => {
    const line = Array.from({ length: 102 }, (_, i) => 1 + i / 10);
    const svg = renderSvg(
      [
        { title: "A <panel>", unit: "ms", series: { direct: line, "thinkgate-node": line } },
        { title: "B", unit: "ms", series: { direct: line.map((v) => v - 2) } }, // negatives clamp
      ],
      "caption & co",
    );
    expect((svg.match(/<polyline /g) ?? []).length).toBe(3);
    expect(svg).toContain("A &lt;panel&gt;");
    expect(svg).toContain("caption &amp; co");
    expect(svg).toContain("Thinkgate (Node)");
    expect(svg).not.toContain("Portkey (Node)");
    expect(svg).not.toContain("NaN");
  });
});
