import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const repoRoot = resolve(import.meta.dirname, "../../..");
const wranglerBin = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");

/**
 * The single ES module `wrangler deploy` would upload for the root wrangler.toml, built
 * without uploading anything.
 */
export async function buildDeployBundle(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "thinkgate-bundle-"));
  try {
    await promisify(execFile)(
      process.execPath,
      [
        wranglerBin,
        "deploy",
        "--dry-run",
        "--env=",
        "--outdir",
        dir,
        "--config",
        join(repoRoot, "wrangler.toml"),
      ],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          WRANGLER_SEND_METRICS: "false",
          CLOUDFLARE_CF_FETCH_ENABLED: "false",
        },
        timeout: 60_000,
      },
    );
    return await readFile(join(dir, "index.js"), "utf8");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
