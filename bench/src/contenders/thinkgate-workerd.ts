import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { startChild } from "../processes/child.js";
import { freePort } from "../processes/free-port.js";
import { waitForHttp } from "../processes/ready.js";
import { descendantsNamed } from "../processes/rss.js";
import { BENCH_DIR } from "../processes/upstream.js";
import { gitCommit } from "./git-version.js";
import { THINKGATE_MODEL, thinkgateConfig, thinkgateHeaders } from "./thinkgate-config.js";
import type { ContenderInfo, StartContext, Started } from "./types.js";

const REPO_DIR = join(BENCH_DIR, "..");
const WORKER_DIR = join(REPO_DIR, "apps/worker");
const WRANGLER = join(WORKER_DIR, "node_modules/wrangler");

/**
 * Thinkgate's Worker under `wrangler dev` (the root wrangler.toml, run from apps/worker), its
 * config passed as the THINKGATE_CONFIG var. workerd on this machine: a local runtime, not
 * Cloudflare's production edge.
 */
export async function startThinkgateWorkerd(ctx: StartContext): Promise<Started> {
  const info: ContenderInfo = {
    id: "thinkgate-workerd",
    label: "Thinkgate (workerd)",
    version: `commit ${gitCommit(BENCH_DIR)}, wrangler ${versionOf(WRANGLER)}, workerd ${workerdVersion()}`,
    note: "wrangler dev (local workerd): a local runtime, not Cloudflare's production edge",
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
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const config = JSON.stringify(thinkgateConfig(ctx.upstreamUrl));
  const child = startChild({
    name: "thinkgate-workerd",
    command: process.execPath,
    args: [
      join(WRANGLER, "bin/wrangler.js"),
      "dev",
      "--config",
      toml,
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      // Its own inspector port: the default (9229) may be taken by anyone's wrangler.
      "--inspector-port",
      String(inspectorPort),
      "--persist-to",
      join(ctx.logDir, "wrangler-state"),
      "--var",
      `THINKGATE_CONFIG:${config}`,
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
    ],
    cwd: WORKER_DIR,
    env: { WRANGLER_SEND_METRICS: "false", CI: "1" },
    logFile: join(ctx.logDir, "thinkgate-workerd.log"),
  });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, child, 90_000, 200);
  } catch (error) {
    await child.stop();
    return { ok: false, info, reason: (error as Error).message };
  }
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
      // The Worker's memory is workerd's, not wrangler's (a Node process around it).
      memoryPid: () => descendantsNamed(child.pid, "workerd")[0],
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
