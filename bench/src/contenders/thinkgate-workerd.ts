import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { startChild } from "../processes/child.js";
import { freePort } from "../processes/free-port.js";
import { readyOrStopped } from "../processes/ready.js";
import { descendantsNamed } from "../processes/rss.js";
import { BENCH_DIR, TSX_NODE } from "../processes/upstream.js";
import { gitCommit } from "./git-version.js";
import { THINKGATE_MODEL, thinkgateConfig, thinkgateHeaders } from "./thinkgate-config.js";
import type { ContenderInfo, StartContext, Started } from "./types.js";

const REPO_DIR = join(BENCH_DIR, "..");
const WORKER_DIR = join(REPO_DIR, "apps/worker");
const WRANGLER = join(WORKER_DIR, "node_modules/wrangler");

/**
 * Thinkgate's Worker in workerd through wrangler's dev server (the root wrangler.toml, run from
 * apps/worker), its config as the THINKGATE_CONFIG var, the devtools inspector off
 * (processes/workerd-main.ts says why). workerd on this machine: a local runtime, not
 * Cloudflare's production edge.
 */
export async function startThinkgateWorkerd(ctx: StartContext): Promise<Started> {
  const info: ContenderInfo = {
    id: "thinkgate-workerd",
    label: "Thinkgate (workerd)",
    version: `commit ${gitCommit(BENCH_DIR)}, wrangler ${versionOf(WRANGLER)}, workerd ${workerdVersion()}`,
    note: "wrangler's dev server (unstable_startWorker, devtools inspector off) on local workerd: a local runtime, not Cloudflare's production edge",
  };
  const entry = join(WORKER_DIR, "src/index.ts");
  const toml = join(REPO_DIR, "wrangler.toml");
  if (!existsSync(toml) || !existsSync(entry)) {
    return {
      ok: false,
      info,
      reason: "the Worker (apps/worker/src/index.ts, wrangler.toml) has not landed yet",
    };
  }
  if (!existsSync(join(WRANGLER, "bin/wrangler.js"))) {
    return { ok: false, info, reason: "wrangler is not installed in apps/worker" };
  }
  const port = await freePort();
  const config = JSON.stringify(thinkgateConfig(ctx.upstreamUrl));
  const [node, ...flags] = TSX_NODE;
  const child = startChild({
    name: "thinkgate-workerd",
    command: node,
    args: [
      ...flags,
      join(BENCH_DIR, "src/processes/workerd-main.ts"),
      toml,
      String(port),
      join(ctx.logDir, "wrangler-state"),
    ],
    cwd: WORKER_DIR,
    env: { THINKGATE_CONFIG: config, WRANGLER_SEND_METRICS: "false", CI: "1" },
    logFile: join(ctx.logDir, "thinkgate-workerd.log"),
  });
  const failed = await readyOrStopped(`http://127.0.0.1:${port}/healthz`, child, 90_000);
  if (failed !== null) return { ok: false, info, reason: failed };
  return {
    ok: true,
    contender: {
      ...info,
      target: {
        origin: `http://127.0.0.1:${port}`,
        path: "/v1/chat/completions",
        headers: thinkgateHeaders(),
      },
      model: THINKGATE_MODEL,
      // workerd's memory, not wrangler's (the Node process around it): both of its workerd
      // processes, the user Worker's and the dev ProxyWorker's every request passes through.
      memoryPids: () => descendantsNamed(child.pid, "workerd"),
      exceptions: () => child.exceptions(),
      stop: () => child.stop(),
    },
  };
}

function versionOf(dir: string): string {
  try {
    return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version;
  } catch {
    return "unknown";
  }
}

function workerdVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(WRANGLER, "package.json"), "utf8"));
    return pkg.dependencies?.workerd ?? "unknown";
  } catch {
    return "unknown";
  }
}
