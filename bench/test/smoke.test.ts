import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Results } from "../src/results.js";

// The harness end to end in its smallest mode: real emulator, real gateways, real load
// generator, each in its own process. It proves the run works and writes what it promises;
// it asserts no timings (figures from a smoke run mean nothing).
const BENCH_DIR = join(import.meta.dirname, "..");
const OWN_WORK = "Gateway's own work (in process, no network)";
const out = mkdtempSync(join(tmpdir(), "thinkgate-bench-test-"));
let results: Results;
let stdout: string;

beforeAll(async () => {
  const run = await promisify(execFile)(
    process.execPath,
    [
      "--import",
      "tsx",
      "src/run.ts",
      "--smoke",
      "--out",
      out,
      "--contenders",
      "direct,node-proxy,thinkgate-node,thinkgate-workerd,portkey",
    ],
    // About a minute alone; minutes while other work shares the CPU.
    { cwd: BENCH_DIR, timeout: 300_000 },
  );
  stdout = run.stdout;
  results = JSON.parse(readFileSync(join(out, "latest.json"), "utf8"));
}, 320_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("pnpm bench --smoke", () => {
  it("records the machine and every contender it was asked for", () => {
    expect(results.mode).toBe("smoke");
    expect(results.machine.cores).toBeGreaterThan(0);
    expect(results.machine.node).toBe(process.version);
    expect(results.contenders.map((c) => c.id)).toEqual([
      "direct",
      "node-proxy",
      "thinkgate-node",
      "thinkgate-workerd",
      "portkey",
    ]);
    for (const c of results.contenders) {
      if (c.status === "not run") expect(c.reason).toBeTruthy();
    }
    expect(results.contenders.find((c) => c.id === "portkey")?.version).toBe(
      "@portkey-ai/gateway 1.15.2",
    );
  });

  it("measures direct in every row that compares against it", () => {
    const sections = new Set(results.rows.map((r) => r.section));
    expect([...sections]).toEqual([
      "Non-streaming",
      "CPU",
      "Streaming",
      "Growth",
      OWN_WORK,
      "Memory",
    ]);
    for (const row of results.rows.filter((r) => r.againstDirect)) {
      const direct = row.cells.direct;
      expect(direct && "value" in direct, row.id).toBe(true);
      if (!direct || !("value" in direct)) continue;
      // A marginal cost is a difference of two medians: in a tiny run it may come out negative.
      if (row.id.startsWith("growth.marginal.")) expect(Number.isFinite(direct.value)).toBe(true);
      else expect(direct.value, row.id).toBeGreaterThan(0);
    }
  });

  it("gives every running contender a figure or the reason it has none", () => {
    const ran = results.contenders.filter((c) => c.status === "ran").map((c) => c.id);
    for (const row of results.rows) {
      for (const id of ran) {
        if (row.section === "Memory" && id === "direct") continue; // no gateway process
        if (row.section === OWN_WORK && id !== "thinkgate-node") {
          expect(row.cells[id], `${row.id} ${id}`).toBeUndefined(); // Thinkgate's alone: "—"
          continue;
        }
        const cell = row.cells[id];
        expect(cell, `${row.id} ${id}`).toBeDefined();
        if (cell && "failed" in cell) expect(cell.failed.length).toBeGreaterThan(0);
        else expect(Number.isFinite(cell?.value), `${row.id} ${id}`).toBe(true);
      }
    }
  });

  it("warms every contender up before the first measurement", () => {
    const warmup = results.details.warmup as Record<string, { requests: number; errors: number }>;
    for (const c of results.contenders.filter((c) => c.status === "ran")) {
      expect(warmup[c.id]?.requests, c.id).toBeGreaterThan(0);
    }
    expect(stdout).toContain("Warm-up: once every contender has started");
  });

  it("runs the floor contender, a bare Node proxy, through every scenario", () => {
    const floor = results.contenders.find((c) => c.id === "node-proxy");
    expect(floor).toMatchObject({ label: "Node proxy (floor)", status: "ran" });
    const received = results.details.growthTokensReceived as Record<string, number[]>;
    expect(received["node-proxy.100"]).toEqual([100]);
    for (const id of ["nonstreaming.sequential", "streaming.ttft.p50.c1", "memory.idle"]) {
      const cell = results.rows.find((r) => r.id === id)?.cells["node-proxy"];
      expect(cell && "value" in cell && cell.value > 0, id).toBe(true);
    }
    expect(stdout).toContain("Node proxy (floor): a bare pass-through proxy");
  });

  it("counts CPU per request for every contender, the emulator's for direct", () => {
    for (const id of ["cpu.sequential", "cpu.loaded"]) {
      const row = results.rows.find((r) => r.id === id);
      expect(row?.section, id).toBe("CPU");
      expect(row?.againstDirect).toBe(false); // direct's figure is the emulator's, not a floor
      for (const c of results.contenders.filter((c) => c.status === "ran")) {
        const cell = row?.cells[c.id];
        // A smoke run serves a handful of requests: fewer than one 10 ms clock tick may pass.
        expect(cell && "value" in cell && cell.value >= 0, `${id} ${c.id}`).toBe(true);
      }
    }
  });

  it("measures Thinkgate's own work in process: per request and per chunk", () => {
    // The replay hands over one event per read, as the emulator wrote them: 900 more events.
    const events = (results.details.ownWork as { upstreamEvents: Record<string, number> })
      .upstreamEvents;
    expect((events.streaming1000 ?? 0) - (events.streaming100 ?? 0)).toBe(900);
    for (const id of ["ownwork.nonstreaming", "ownwork.streaming", "ownwork.per-chunk"]) {
      const cell = results.rows.find((r) => r.id === id)?.cells["thinkgate-node"];
      expect(cell && "value" in cell && cell.value > 0, id).toBe(true);
    }
    const targets = results.targets.map((t) => t.row);
    expect(targets).toContain("ownwork.nonstreaming");
    expect(targets).toContain("ownwork.per-chunk");
  });

  it.each(["thinkgate-node", "thinkgate-workerd"] as const)(
    "streams every token through %s when it runs",
    (id) => {
      const tg = results.contenders.find((c) => c.id === id);
      if (tg?.status !== "ran") return expect(tg?.reason).toMatch(/apps\/(node|worker)/);
      const ttft = results.rows.find((r) => r.id === "streaming.ttft.p50.c1")?.cells[id];
      expect(ttft && "value" in ttft).toBe(true);
      const received = results.details.growthTokensReceived as Record<string, number[]>;
      expect(received[`${id}.100`]).toEqual([100]);
      expect(received["direct.100"]).toEqual([100]);
    },
  );

  it("records Portkey's streaming failure instead of dropping the row", () => {
    const cell = results.rows.find((r) => r.id === "streaming.ttft.p50.c1")?.cells.portkey;
    expect(cell).toBeDefined();
    // Portkey 1.15.2 fails custom-host streams on Node (TypeError: immutable); should it ever
    // stream, the row must carry its figure instead.
    if (cell && "failed" in cell) {
      expect(cell.failed).toMatch(/HTTP 5\d\d/);
      expect(results.contenders.find((c) => c.id === "portkey")?.exceptions).toContain(
        "TypeError: immutable",
      );
    } else expect(Number.isFinite(cell?.value)).toBe(true);
  });

  it("writes the table, the chart and the normalizer figure", () => {
    expect(stdout).toContain(
      "| Metric | Direct | Node proxy (floor) | Thinkgate (Node) | Thinkgate (workerd) | Portkey (Node) |",
    );
    expect(stdout).toContain("| Bifrost (Go) | +0.44 ms | published |");
    const svg = readFileSync(join(out, "latency.svg"), "utf8");
    expect(svg.startsWith("<svg ")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg).toContain("Non-streaming request latency");
    expect((svg.match(/<polyline /g) ?? []).length).toBeGreaterThanOrEqual(
      results.distributions.length,
    );
    expect(existsSync(join(out, "latest.md"))).toBe(true);
    const normalizer = results.normalizer as {
      normalizeSSE?: { mbPerS: number };
      normalizeAndRender?: { mbPerS: number };
    };
    expect(normalizer.normalizeSSE?.mbPerS).toBeGreaterThan(0);
    expect(normalizer.normalizeAndRender?.mbPerS).toBeGreaterThan(0);
    expect(results.targets.length).toBeGreaterThan(0);
  });
});
