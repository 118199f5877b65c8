import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { renderMarkdown } from "./report/markdown.js";
import { renderSvg } from "./report/svg.js";
import type { Results } from "./results.js";

export interface Written {
  json: string;
  svg: string;
  markdown: string;
}

/** latest.json (every figure), latency.svg, latest.md (the tables) in `dir`. */
export function writeResults(results: Results, dir: string): Written {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, "latest.json");
  const svg = join(dir, "latency.svg");
  const markdown = join(dir, "latest.md");
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  const m = results.machine;
  writeFileSync(
    svg,
    renderSvg(
      results.distributions,
      `${results.date} · ${results.mode} run · ${m.cpu}, ${m.cores} cores · Node ${m.node}`,
    ),
  );
  writeFileSync(markdown, `${renderMarkdown(results)}\n`);
  return { json, svg, markdown };
}

const START = "<!-- bench:results:start -->";
const END = "<!-- bench:results:end -->";

/** Replaces the generated part of docs/performance.md; the prose around it is written by hand. */
export function updateDoc(doc: string, results: Results, svgPath: string): boolean {
  if (!existsSync(doc)) return false;
  const text = readFileSync(doc, "utf8");
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) return false;
  const image = relative(join(doc, ".."), svgPath);
  const generated = `${START}\n<!-- written by \`pnpm bench\`: edits here are overwritten -->\n\n${renderMarkdown(results)}\n![Latency distributions](${image})\n\n`;
  writeFileSync(doc, text.slice(0, start) + generated + text.slice(end));
  return true;
}
