import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startChild } from "../processes/child.js";
import { freePort } from "../processes/free-port.js";
import { readyOrStopped } from "../processes/ready.js";
import { BENCH_DIR, EXIT_WITH_PARENT, TSX_NODE } from "../processes/upstream.js";
import { gitCommit } from "./git-version.js";
import { nodeProcess } from "./node-process.js";
import { THINKGATE_MODEL, thinkgateConfig, thinkgateHeaders } from "./thinkgate-config.js";
import type { ContenderInfo, StartContext, Started } from "./types.js";

const APP_DIR = join(BENCH_DIR, "..", "apps/node");
const ENTRY = join(APP_DIR, "src/main.ts");

/** The self-hosted gateway exactly as `pnpm start` runs it: THINKGATE_CONFIG names the file, PORT the port. */
export async function startThinkgateNode(ctx: StartContext): Promise<Started> {
  const info: ContenderInfo = {
    id: "thinkgate-node",
    label: "Thinkgate (Node)",
    version: `commit ${gitCommit(BENCH_DIR)}`,
    note: "apps/node (pnpm start), memory store, one config key without limits",
  };
  if (!existsSync(ENTRY)) {
    return { ok: false, info, reason: "apps/node/src/main.ts (the Node entry) has not landed yet" };
  }
  const configFile = join(ctx.logDir, "thinkgate.json");
  writeFileSync(configFile, JSON.stringify(thinkgateConfig(ctx.upstreamUrl), null, 2));
  const port = await freePort();
  const [node, ...flags] = TSX_NODE;
  const logFile = join(ctx.logDir, "thinkgate-node.log");
  const child = startChild({
    name: "thinkgate-node",
    command: node,
    args: [
      ...flags,
      ...EXIT_WITH_PARENT,
      "--inspect-port=0", // inert until the memory scenario opens the inspector to run a GC
      ...(ctx.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${ctx.cpuProfileDir}`] : []),
      ENTRY,
    ],
    cwd: APP_DIR,
    env: { THINKGATE_CONFIG: configFile, PORT: String(port), NODE_ENV: "production" },
    logFile,
  });
  const failed = await readyOrStopped(`http://127.0.0.1:${port}/healthz`, child, 30_000);
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
      ...nodeProcess(child, logFile),
    },
  };
}
