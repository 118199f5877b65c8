import { CONTENDER_IDS, type ContenderId } from "../contenders/types.js";
import type { Mode } from "../modes.js";
import type { Results, Row } from "../results.js";
import { formatRatio, formatSigned, formatValue } from "./format.js";

/** The whole report: header, one table per section, targets, normalizer, notes. */
export function renderMarkdown(results: Results): string {
  const notes: string[] = [];
  const note = (text: string): string => {
    const short = text.replace(/\s+/g, " ").slice(0, 240);
    let index = notes.indexOf(short);
    if (index < 0) index = notes.push(short) - 1;
    return `[^${index + 1}]`;
  };
  const columns = CONTENDER_IDS.map((id) => results.contenders.find((c) => c.id === id)!).filter(
    Boolean,
  );
  const out: string[] = [];
  const m = results.machine;
  out.push(
    `Measured ${results.date} (${results.mode} run, ${Math.round(results.durationS)} s) on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}; load average at start ${(m.loadAverageAtStart as number[]).join(" / ")}.`,
    "",
    "| Contender | Version | Status |",
    "|---|---|---|",
    ...columns.map((c) => {
      const status = c.status === "ran" ? "ran" : `not run${note(c.reason ?? "")}`;
      const logged = c.exceptions?.length ? `; it logged \`${c.exceptions.join("`, `")}\`` : "";
      return `| ${c.label} | ${c.version} | ${status}${logged} |`;
    }),
    "",
  );
  out.push(
    "Each cell: the median over rounds; against direct, (added, multiple of direct). Thinkgate ÷ Portkey compares Thinkgate on Node with Portkey: added with added for latencies, the figures themselves otherwise (below 1× is better for latency and memory, above 1× for throughput).",
    "",
    ...methodNotes(results),
  );
  const sections = [...new Set(results.rows.map((r) => r.section))];
  for (const section of sections) {
    out.push(`#### ${section}`, "");
    out.push(`| Metric | ${columns.map((c) => c.label).join(" | ")} | Thinkgate ÷ Portkey |`);
    out.push(`|---|${columns.map(() => "--:").join("|")}|--:|`);
    for (const row of results.rows.filter((r) => r.section === section)) {
      const cells = columns.map((c) => cellText(row, c.id, c.status === "ran", note));
      out.push(`| ${row.metric} | ${cells.join(" | ")} | ${versusPortkey(row)} |`);
    }
    out.push("");
  }
  out.push(...publishedComparison(results), "");
  out.push("#### Targets (Thinkgate on Node)", "", "| Target | Measured | Met |", "|---|--:|:-:|");
  for (const t of results.targets) {
    const shown =
      t.value === null
        ? "—"
        : t.row === "*"
          ? `${t.value} rows behind`
          : t.added
            ? `${formatSigned(t.value, t.unit)} ${t.unit}`
            : formatValue(t.value, t.unit);
    out.push(`| ${t.target} | ${shown} | ${t.met === null ? "—" : t.met ? "yes" : "**no**"} |`);
  }
  out.push("");
  const n = results.normalizer as {
    normalizeSSE?: { mbPerS: number };
    normalizeAndRender?: { mbPerS: number; chunksPerS: number; thinkOpenMbPerS: number };
    method?: string;
    failed?: string;
    skipped?: boolean;
  };
  out.push("#### Normalizer (packages/core, no HTTP)", "");
  if (n.skipped) out.push("Not measured in this run.");
  else if (n.failed || !n.normalizeAndRender || !n.normalizeSSE) out.push(`Failed: ${n.failed}`);
  else {
    const r = n.normalizeAndRender;
    out.push(
      `normalizeSSE → renderSSE (the gateway's per-stream work, core's benchNormalizer): **${r.mbPerS.toFixed(1)} MB/s**, ${Math.round(r.chunksPerS).toLocaleString("en-US")} chunks/s; think-open (inline tags): ${r.thinkOpenMbPerS.toFixed(1)} MB/s; normalizeSSE alone: ${n.normalizeSSE.mbPerS.toFixed(1)} MB/s. ${n.method ?? ""}.`,
    );
  }
  out.push("");
  if (notes.length) {
    out.push(...notes.map((text, i) => `[^${i + 1}]: ${text}`), "");
  }
  return out.join("\n");
}

/** How this run measured what the table alone does not say. */
function methodNotes(results: Results): string[] {
  const method = results.method as Partial<Mode>;
  const w = method.warmup;
  const ran = (id: ContenderId) =>
    results.contenders.some((c) => c.id === id && c.status === "ran");
  const notes: string[] = [];
  if (w && results.details.warmup) {
    notes.push(
      `Warm-up: once every contender has started and before the first figure, each one (direct too) gets the same warm-up, whose results are discarded: ${w.requests.toLocaleString("en-US")} non-streaming requests on ${w.connections} connections (for at most ${w.maxMs / 1000} s), then ${w.streams} unpaced ${w.streamTokens}-chunk streams at a time for ${w.streamingMs / 1000} s. Production gateways are warm; a freshly started Node process is still compiling its hot paths (Thinkgate's sequential median about halves over its first 3,000 requests).`,
    );
  }
  if (ran("node-proxy")) {
    notes.push(
      "Node proxy (floor): a bare pass-through proxy on node:http in its own process (keep-alive Agent, bodies piped both ways, status, content-type and content-length passed on, nothing parsed), pointed at the same upstream path as direct. What it adds over direct is what any Node gateway pays for one extra process hop on this machine, before doing any work of its own.",
    );
  }
  if (results.rows.some((r) => r.section === "CPU")) {
    notes.push(
      `CPU per request: utime + stime of the contender's processes (\`/proc/<pid>/stat\`; both workerd processes for Thinkgate in workerd), read before and after each of its jobs in the sequential rounds and the ${method.throughput?.connections ?? 64}-connection ones, divided by the requests it served. Direct's figure is the emulator's own CPU per request, not a gateway's.`,
    );
  }
  if (results.rows.some((r) => r.id.startsWith("ownwork."))) {
    const o = method.ownWork;
    notes.push(
      `Gateway's own work: the Thinkgate app (\`createApp\` from @thinkgate/gateway, the benchmark's config) called in process with \`app.fetch\` in a child process of its own, no network: its upstream fetch replays answers the emulator gave once, event by event as the emulator wrote them. Time per request, each response read to its end${o?.warmupRounds ? `, after ${o.warmupRounds} warm-up round${o.warmupRounds === 1 ? "" : "s"} of the same` : ""}; per chunk is the marginal cost from a 100-chunk to a 1,000-chunk streamed answer. Shown in the Node column; the code is the same in workerd.`,
    );
  }
  return notes.flatMap((n) => [n, ""]);
}

function cellText(row: Row, id: ContenderId, ran: boolean, note: (text: string) => string): string {
  if (!ran) return "not run";
  const cell = row.cells[id];
  if (!cell) return "—";
  if ("failed" in cell) return `failed${note(cell.failed)}`;
  const errors = cell.errors ? ` ⚠${cell.errors} errors` : "";
  const direct = row.cells.direct;
  if (!row.againstDirect || id === "direct" || !direct || !("value" in direct)) {
    return `${formatValue(cell.value, row.unit)}${errors}`;
  }
  const ratio = formatRatio(cell.value / direct.value);
  if (row.better === "higher") return `${formatValue(cell.value, row.unit)} (${ratio})${errors}`;
  return `${formatValue(cell.value, row.unit)} (${formatSigned(cell.value - direct.value, row.unit)}, ${ratio})${errors}`;
}

/** Added cost against added cost where both are measured against direct; else the figures themselves. */
function versusPortkey(row: Row): string {
  const tg = row.cells["thinkgate-node"];
  const pk = row.cells.portkey;
  const direct = row.cells.direct;
  if (!tg || !pk || !("value" in tg) || !("value" in pk)) return "—";
  if (row.againstDirect && row.better === "lower" && direct && "value" in direct) {
    const a = tg.value - direct.value;
    const b = pk.value - direct.value;
    if (b <= 0) return "—";
    return `${formatRatio(Math.max(a, 0) / b)} added`;
  }
  return formatRatio(tg.value / pk.value);
}

// llm-gateway-bench's published overheads (sequential, localhost mock upstream, median of round
// medians): the same method as our "sequential" row, on other machines.
const PUBLISHED: [string, number][] = [
  ["Bifrost (Go)", 0.44],
  ["Portkey 1.15.2", 2.37],
  ["LiteLLM 1.91", 4.34],
];

function publishedComparison(results: Results): string[] {
  const row = results.rows.find((r) => r.id === "nonstreaming.sequential");
  const direct = row?.cells.direct;
  if (!row || !direct || !("value" in direct)) return [];
  const lines = [
    "#### Sequential overhead beside the published llm-gateway-bench figures",
    "",
    "| Gateway | Added per request | Where |",
    "|---|--:|---|",
  ];
  for (const id of ["node-proxy", "thinkgate-node", "thinkgate-workerd", "portkey"] as const) {
    const cell = row.cells[id];
    if (!cell || !("value" in cell)) continue;
    const label = results.contenders.find((c) => c.id === id)?.label ?? id;
    lines.push(`| ${label} | ${formatSigned(cell.value - direct.value, "ms")} ms | this run |`);
  }
  for (const [name, ms] of PUBLISHED) lines.push(`| ${name} | +${ms.toFixed(2)} ms | published |`);
  return lines;
}
