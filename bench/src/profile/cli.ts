// Prints where Thinkgate's time went in a CPU profile. Usage: cli.ts <file.cpuprofile> [top]
import { readFileSync } from "node:fs";
import { summarize } from "./summarize.js";

const file = process.argv[2];
if (!file) {
  console.error("usage: cli.ts <file.cpuprofile> [top]");
  process.exit(2);
}
const top = Number(process.argv[3] ?? 30);
const { busyMs, gcMs, functions } = summarize(JSON.parse(readFileSync(file, "utf8")));
const pct = (ms: number) => `${((ms / busyMs) * 100).toFixed(1)}%`;
console.log(
  `busy ${busyMs.toFixed(0)} ms (garbage collector ${gcMs.toFixed(0)} ms, ${pct(gcMs)})\n`,
);
console.log("self time:");
for (const f of [...functions].sort((a, b) => b.selfMs - a.selfMs).slice(0, top)) {
  console.log(`  ${pct(f.selfMs).padStart(6)} ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.fn}`);
}
console.log("\ninclusive time, Thinkgate's own code:");
for (const f of [...functions]
  .filter((f) => /\/(packages|apps)\//.test(f.fn))
  .sort((a, b) => b.inclusiveMs - a.inclusiveMs)
  .slice(0, top)) {
  console.log(
    `  ${pct(f.inclusiveMs).padStart(6)} ${f.inclusiveMs.toFixed(0).padStart(7)} ms  ${f.fn}`,
  );
}
