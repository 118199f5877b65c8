import { spawn } from "node:child_process";

/**
 * The value of the samples named `name` whose labels include `labels`, summed (0 when none):
 * enough of the text exposition format for assertions, which promtool checks in full.
 */
export function sampleValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number {
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line === "") continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = new Map<string, string>();
    for (const pair of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      present.set(pair[1] as string, pair[2] as string);
    }
    if (Object.entries(labels).every(([k, v]) => present.get(k) === v)) total += Number(match[3]);
  }
  return total;
}

/** `promtool check metrics` on the text: its exit code and what it said. */
export function promtoolCheck(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("promtool", ["check", "metrics"], { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => {
      output += String(d);
    });
    child.stderr.on("data", (d) => {
      output += String(d);
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}
