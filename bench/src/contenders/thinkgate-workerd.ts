import { existsSync } from "node:fs";
import { join } from "node:path";
import { BENCH_DIR } from "../processes/upstream.js";
import { gitCommit } from "./git-version.js";
import type { ContenderInfo, StartContext, Started } from "./types.js";

const REPO_DIR = join(BENCH_DIR, "..");

/** Thinkgate's Worker under `wrangler dev`: workerd on this machine, a local runtime, not production. */
export async function startThinkgateWorkerd(_ctx: StartContext): Promise<Started> {
  const info: ContenderInfo = {
    id: "thinkgate-workerd",
    label: "Thinkgate (workerd)",
    version: `commit ${gitCommit(BENCH_DIR)}`,
    note: "wrangler dev (local workerd): a local runtime, not Cloudflare's production edge",
  };
  if (
    !existsSync(join(REPO_DIR, "wrangler.toml")) ||
    !existsSync(join(REPO_DIR, "apps/worker/src/index.ts"))
  ) {
    return {
      ok: false,
      info,
      reason: "the Worker (apps/worker, wrangler.toml) has not landed yet",
    };
  }
  return { ok: false, info, reason: "workerd launcher pending" };
}
