import { execFileSync } from "node:child_process";
import { join } from "node:path";

let commit: string | undefined;

/**
 * The commit the repository was at when the run started: Thinkgate's version for a benchmark
 * row. Read once, so both Thinkgate rows name the same commit while others keep committing.
 * This is a shared checkout: the code measured is the working tree, which may be ahead of HEAD.
 */
export function gitCommit(benchDir: string): string {
  if (commit === undefined) {
    const git = (...args: string[]) =>
      execFileSync("git", args, { cwd: join(benchDir, ".."), encoding: "utf8" }).trim();
    try {
      commit = git("rev-parse", "--short", "HEAD");
      if (git("status", "--porcelain", "--", "packages", "apps", "wrangler.toml")) {
        commit += " + uncommitted changes";
      }
    } catch {
      commit = "unknown";
    }
  }
  return commit;
}
