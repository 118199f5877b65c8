import { CONTENDER_IDS, type ContenderId } from "../contenders/types.js";
import type { Distribution } from "../results.js";

// Latency distributions drawn as percentile plots: x is the percentile on a "nines" scale
// (p0, p90, p99, p99.9 equally spaced), y the latency on a log scale. Tails, where gateways
// differ most, get as much room as the median, and a 0.5 ms median stays readable beside a
// 500 ms tail. Written by hand: no charting dependency for one picture.

const COLORS: Record<ContenderId, string> = {
  direct: "#6b7280",
  "node-proxy": "#a16207",
  "thinkgate-node": "#2563eb",
  "thinkgate-workerd": "#16a34a",
  portkey: "#dc2626",
};
const LABELS: Record<ContenderId, string> = {
  direct: "Direct",
  "node-proxy": "Node proxy (floor)",
  "thinkgate-node": "Thinkgate (Node)",
  "thinkgate-workerd": "Thinkgate (workerd)",
  portkey: "Portkey (Node)",
};

// stats.distribution(): p0..p99, then p99.9, then p100. The plot stops at p99.9.
const PERCENTILES = [...Array.from({ length: 100 }, (_, p) => p / 100), 0.999];
const nines = (p: number): number => -Math.log10(1 - p); // 0 → 0, 0.9 → 1, 0.99 → 2, 0.999 → 3
// Chunk lateness can come out slightly negative (a timer firing a little early): the log scale
// shows anything at or below this floor on the bottom line.
const FLOOR_MS = 0.01;

const W = 480;
const H = 280;
const PAD = { left: 56, right: 16, top: 34, bottom: 40 };
const COLUMNS = 2;

export function renderSvg(distributions: Distribution[], caption: string): string {
  const panels = distributions.filter((d) => Object.keys(d.series).length > 0);
  const rows = Math.ceil(panels.length / COLUMNS);
  const width = W * COLUMNS;
  const height = H * rows + 60;
  const parts = panels.map((d, i) => panel(d, (i % COLUMNS) * W, Math.floor(i / COLUMNS) * H));
  const shown = CONTENDER_IDS.filter((id) => panels.some((d) => d.series[id]));
  const legend = shown
    .map((id, i) => {
      const x = 16 + i * 190;
      const y = H * rows + 24;
      return `<line x1="${x}" y1="${y}" x2="${x + 24}" y2="${y}" stroke="${COLORS[id]}" stroke-width="2.5"/><text x="${x + 30}" y="${y + 4}">${LABELS[id]}</text>`;
    })
    .join("");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    ...parts,
    legend,
    `<text x="16" y="${height - 10}" fill="#4b5563">${escapeXml(caption)}</text>`,
    "</svg>",
    "",
  ].join("\n");
}

function panel(d: Distribution, x0: number, y0: number): string {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const series = Object.entries(d.series) as [ContenderId, number[]][];
  const shown = series.flatMap(([, v]) => v.slice(0, PERCENTILES.length));
  const lo = Math.floor(Math.log10(Math.max(FLOOR_MS, Math.min(...shown))));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(FLOOR_MS, ...shown))));
  const sx = (p: number) => x0 + PAD.left + (nines(p) / 3) * plotW;
  const sy = (v: number) =>
    y0 + PAD.top + plotH - ((Math.log10(Math.max(v, FLOOR_MS)) - lo) / (hi - lo)) * plotH;
  const out: string[] = [];
  out.push(
    `<text x="${x0 + PAD.left}" y="${y0 + 20}" font-size="13" font-weight="600">${escapeXml(d.title)}</text>`,
  );
  for (let e = lo; e <= hi; e++) {
    const y = sy(10 ** e);
    out.push(
      `<line x1="${x0 + PAD.left}" y1="${y}" x2="${x0 + PAD.left + plotW}" y2="${y}" stroke="#e5e7eb"/>`,
      `<text x="${x0 + PAD.left - 6}" y="${y + 4}" text-anchor="end" fill="#4b5563">${tick(10 ** e)}</text>`,
    );
  }
  for (const [p, label] of [
    [0, "p0"],
    [0.5, "p50"],
    [0.9, "p90"],
    [0.99, "p99"],
    [0.999, "p99.9"],
  ] as const) {
    const x = sx(p);
    out.push(
      `<line x1="${x}" y1="${y0 + PAD.top}" x2="${x}" y2="${y0 + PAD.top + plotH}" stroke="#e5e7eb"/>`,
      `<text x="${x}" y="${y0 + PAD.top + plotH + 14}" text-anchor="middle" fill="#4b5563">${label}</text>`,
    );
  }
  out.push(
    `<text x="${x0 + 14}" y="${y0 + PAD.top + plotH / 2}" transform="rotate(-90 ${x0 + 14} ${y0 + PAD.top + plotH / 2})" text-anchor="middle" fill="#4b5563">${d.unit} (log scale)</text>`,
  );
  for (const [id, values] of series) {
    const points = PERCENTILES.map(
      (p, i) => `${sx(p).toFixed(1)},${sy(values[i] ?? Number.NaN).toFixed(1)}`,
    );
    out.push(
      `<polyline fill="none" stroke="${COLORS[id]}" stroke-width="2" points="${points.join(" ")}"><title>${LABELS[id]}: p50 ${tick(values[50] ?? 0)} ${d.unit}, p99 ${tick(values[99] ?? 0)} ${d.unit}</title></polyline>`,
    );
  }
  return out.join("\n");
}

const tick = (v: number): string =>
  Math.abs(v) >= 10
    ? v.toFixed(0)
    : Math.abs(v) >= 1
      ? v.toFixed(1)
      : String(Number(v.toPrecision(2)));

const escapeXml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
