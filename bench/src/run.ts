// `pnpm bench`: Thinkgate against a direct connection and against Portkey, in one run.
//   pnpm bench                 full run (5–10 min): bench/results/ and docs/performance.md
//   pnpm bench --quick         about a minute, into bench/results/quick/
//   pnpm bench --smoke --out D every code path once (the test's run)
//   --scenarios a,b            a subset of sequential, latency, throughput, streaming, growth,
//                              own-work, memory, normalizer (a warm-up of every contender
//                              always runs first)
//   --cpu-prof DIR             Thinkgate on Node writes a V8 CPU profile into DIR
//                              (summarise it: tsx src/profile/cli.ts DIR/*.cpuprofile)
//   --contenders a,b           a subset of direct, node-proxy, thinkgate-node, thinkgate-workerd,
//                              portkey
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CONTENDER_IDS, type ContenderId } from "./contenders/types.js";
import { MODES } from "./modes.js";
import { updateDoc, writeResults } from "./output.js";
import { BENCH_DIR } from "./processes/upstream.js";
import { renderMarkdown } from "./report/markdown.js";
import { runSuite, SCENARIOS } from "./suite.js";

const usage = () => {
  const text = readFileSync(new URL(import.meta.url), "utf8");
  return text.slice(0, text.indexOf("import ")).replace(/^\/\/ ?/gm, "");
};

function fail(message: string): never {
  console.error(`${message}\n\n${usage()}`);
  process.exit(2);
}

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  console.log(usage());
  process.exit(0);
}

let values: ReturnType<typeof parseOptions>["values"];
try {
  ({ values } = parseOptions());
} catch (error) {
  fail((error as Error).message);
}

function parseOptions() {
  return parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      smoke: { type: "boolean", default: false },
      out: { type: "string" },
      contenders: { type: "string" },
      scenarios: { type: "string" },
      "no-docs": { type: "boolean", default: false },
      "cpu-prof": { type: "string" }, // a directory: Thinkgate on Node writes its CPU profile there
    },
  });
}

const mode = MODES[values.smoke ? "smoke" : values.quick ? "quick" : "full"];
const contenders = values.contenders?.split(",") ?? [...CONTENDER_IDS];
const unknown = contenders.filter((id) => !CONTENDER_IDS.includes(id as ContenderId));
if (unknown.length) {
  fail(`unknown contender(s): ${unknown.join(", ")}; expected some of ${CONTENDER_IDS.join(", ")}`);
}
const scenarioNames = [...SCENARIOS.map(([name]) => name), "normalizer"];
const scenarios = values.scenarios?.split(",");
const unknownScenarios = scenarios?.filter((name) => !scenarioNames.includes(name)) ?? [];
if (unknownScenarios.length) {
  fail(
    `unknown scenario(s): ${unknownScenarios.join(", ")}; expected some of ${scenarioNames.join(", ")}`,
  );
}
if (!contenders.includes("direct")) contenders.unshift("direct"); // every figure is against direct
const outDir = values.out ?? join(BENCH_DIR, "results", mode.name === "full" ? "" : mode.name);

const startedAt = performance.now();
const elapsed = () => `${((performance.now() - startedAt) / 1000).toFixed(0).padStart(4)} s`;

let stopAll: (() => Promise<void>) | undefined;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the processes this run started`);
    (stopAll?.() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}
// `pnpm bench | head`: a closed stdout must not kill the run before it stops its children.
process.stdout.on("error", () => {});

const results = await runSuite({
  mode,
  contenders: contenders as ContenderId[],
  progress: (line) => console.error(`[bench ${elapsed()}] ${line}`),
  cpuProfileDir: values["cpu-prof"],
  scenarios,
  onStarted: (stop) => {
    stopAll = stop;
  },
});
const written = writeResults(results, outDir);
console.log(renderMarkdown(results));
console.error(`[bench] wrote ${written.json}, ${written.svg}, ${written.markdown}`);
if (mode.name === "full" && values.out === undefined && !values["no-docs"]) {
  const doc = join(BENCH_DIR, "..", "docs/performance.md");
  if (updateDoc(doc, results, written.svg)) console.error(`[bench] updated ${doc}`);
}
