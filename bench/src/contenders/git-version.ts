import { execFileSync } from "node:child_process";

/** The commit the repository is at: Thinkgate's version for a benchmark row. */
export function gitCommit(cwd: string): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}
