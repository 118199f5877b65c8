import { execFileSync } from "node:child_process";

let commit: string | undefined;

/**
 * The commit the repository was at when the run started: Thinkgate's version for a benchmark
 * row. Read once, so both Thinkgate rows name the same commit while others keep committing.
 */
export function gitCommit(cwd: string): string {
  if (commit === undefined) {
    try {
      commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
        cwd,
        encoding: "utf8",
      }).trim();
    } catch {
      commit = "unknown";
    }
  }
  return commit;
}
