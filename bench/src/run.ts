// `pnpm bench`: Thinkgate against a direct connection and against Portkey, in one run.
//   pnpm bench                 full run (5–10 min): bench/results/ and docs/performance.md
//   pnpm bench --quick         about a minute, into bench/results/quick/
//   pnpm bench --smoke --out D every code path once (the test's run)
//   --scenarios a,b            a subset of sequential, latency, throughput, streaming, growth,
//                              memory, normalizer
//   --cpu-prof DIR             Thinkgate on Node writes a V8 CPU profile into DIR
//                              (summarise it: tsx src/profile/cli.ts DIR/*.cpuprofile)
//   --contenders a,b           a subset of direct, thinkgate-node, thinkgate-workerd, portkey
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CONTENDER_IDS, type ContenderId } from "./contenders/types.js";
import { MODES } from "./modes.js";
import { updateDoc, writeResults } from "./output.js";
import { BENCH_DIR } from "./processes/upstream.js";
import { renderMarkdown } from "./report/markdown.js";
import { runSuite } from "./suite.js";

const { values } = parseArgs({
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

const mode = MODES[values.smoke ? "smoke" : values.quick ? "quick" : "full"];
const contenders = (values.contenders?.split(",") ?? CONTENDER_IDS) as ContenderId[];
const unknown = contenders.filter((id) => !CONTENDER_IDS.includes(id));
if (unknown.length) {
  console.error(
    `unknown contender(s): ${unknown.join(", ")}; expected some of ${CONTENDER_IDS.join(", ")}`,
  );
  process.exit(2);
}
if (!contenders.includes("direct")) contenders.unshift("direct"); // every figure is against direct
const outDir = values.out ?? join(BENCH_DIR, "results", mode.name === "full" ? "" : mode.name);

const startedAt = performance.now();
const elapsed = () => `${((performance.now() - startedAt) / 1000).toFixed(0).padStart(4)} s`;

let stopAll: (() => Promise<void>) | undefined;
process.once("SIGINT", () => {
  console.error("\ninterrupted: stopping the processes this run started");
  (stopAll?.() ?? Promise.resolve()).finally(() => process.exit(130));
});

const results = await runSuite({
  mode,
  contenders,
  progress: (line) => console.error(`[bench ${elapsed()}] ${line}`),
  cpuProfileDir: values["cpu-prof"],
  scenarios: values.scenarios?.split(","),
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
