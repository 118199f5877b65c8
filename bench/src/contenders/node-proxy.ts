import { join } from "node:path";
import { startChild } from "../processes/child.js";
import { freePort } from "../processes/free-port.js";
import { readyOrStopped } from "../processes/ready.js";
import { BENCH_DIR, EXIT_WITH_PARENT, TSX_NODE } from "../processes/upstream.js";
import { nodeProcess } from "./node-process.js";
import type { ContenderInfo, StartContext, Started } from "./types.js";
import { UPSTREAM_MODEL, UPSTREAM_PREFIX } from "./types.js";

/**
 * The floor for any gateway on Node: a bare pass-through proxy on node:http in its own process
 * (processes/node-proxy-main.ts), pointed at the same upstream path as direct. What it adds over
 * direct is one extra process hop on this machine, before any gateway logic.
 */
export async function startNodeProxy(ctx: StartContext): Promise<Started> {
  const info: ContenderInfo = {
    id: "node-proxy",
    label: "Node proxy (floor)",
    version: `node:http, Node ${process.version}`,
    note: "a bare pass-through proxy (keep-alive Agent, bodies piped, no parsing): one extra process hop, no gateway logic",
  };
  const port = await freePort();
  const [node, ...flags] = TSX_NODE;
  const logFile = join(ctx.logDir, "node-proxy.log");
  const child = startChild({
    name: "node-proxy",
    command: node,
    args: [
      ...flags,
      ...EXIT_WITH_PARENT,
      "--inspect-port=0", // inert until the memory scenario opens the inspector to run a GC
      join(BENCH_DIR, "src/processes/node-proxy-main.ts"),
      String(port),
      ctx.upstreamUrl,
    ],
    cwd: BENCH_DIR,
    logFile,
  });
  // Through to the emulator's model list: proves the proxy and the upstream path both answer.
  const failed = await readyOrStopped(
    `http://127.0.0.1:${port}${UPSTREAM_PREFIX}/models`,
    child,
    30_000,
  );
  if (failed !== null) return { ok: false, info, reason: failed };
  return {
    ok: true,
    contender: {
      ...info,
      target: {
        origin: `http://127.0.0.1:${port}`,
        path: `${UPSTREAM_PREFIX}/chat/completions`,
        headers: { "content-type": "application/json" },
      },
      model: UPSTREAM_MODEL,
      ...nodeProcess(child, logFile),
    },
  };
}
