// Redraws the tables and the chart from a results file, without measuring again (after a
// change to the report's layout). Usage: rerender.ts <dir holding latest.json>
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeResults } from "../output.js";
import type { Results } from "../results.js";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: rerender.ts <dir holding latest.json>");
  process.exit(2);
}
const results = JSON.parse(readFileSync(join(dir, "latest.json"), "utf8")) as Results;
const written = writeResults(results, dir);
console.log(`wrote ${written.svg} and ${written.markdown}`);
