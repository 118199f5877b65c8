import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { startChild } from "../processes/child.js";
import { freePort } from "../processes/free-port.js";
import { readyOrStopped } from "../processes/ready.js";
import { BENCH_DIR, EXIT_WITH_PARENT } from "../processes/upstream.js";
import { nodeProcess } from "./node-process.js";
import type { ContenderInfo, StartContext, Started } from "./types.js";
import { UPSTREAM_MODEL, UPSTREAM_PREFIX } from "./types.js";

const PACKAGE_DIR = join(BENCH_DIR, "node_modules/@portkey-ai/gateway");

/**
 * Portkey's open-source gateway on Node, as its README runs it (the npm tarball ships build/,
 * so no build script is needed), pointed at the emulator through its OpenAI provider with a
 * custom host.
 */
export async function startPortkey(ctx: StartContext): Promise<Started> {
  const info: ContenderInfo = {
    id: "portkey",
    label: "Portkey (Node)",
    version: `@portkey-ai/gateway ${packageVersion()}`,
    note: "start-server.js --headless, provider openai with x-portkey-custom-host",
  };
  const entry = join(PACKAGE_DIR, "build/start-server.js");
  if (!existsSync(entry)) return { ok: false, info, reason: `${entry} is missing` };
  const port = await freePort();
  const logFile = join(ctx.logDir, "portkey.log");
  const child = startChild({
    name: "portkey",
    command: process.execPath,
    // The flag must be `--port=N`: `--port N` is ignored and it listens on 8787.
    // --inspect-port=0: inert until the memory scenario opens the inspector to run a GC.
    args: [...EXIT_WITH_PARENT, "--inspect-port=0", entry, `--port=${port}`, "--headless"],
    cwd: BENCH_DIR,
    logFile,
  });
  const failed = await readyOrStopped(`http://127.0.0.1:${port}/`, child, 30_000);
  if (failed !== null) return { ok: false, info, reason: failed };
  return {
    ok: true,
    contender: {
      ...info,
      target: {
        origin: `http://127.0.0.1:${port}`,
        path: "/v1/chat/completions",
        headers: {
          "content-type": "application/json",
          authorization: "Bearer bench-upstream-key",
          "x-portkey-provider": "openai",
          "x-portkey-custom-host": `${ctx.upstreamUrl}${UPSTREAM_PREFIX}`,
        },
      },
      model: UPSTREAM_MODEL,
      ...nodeProcess(child, logFile),
    },
  };
}

function packageVersion(): string {
  try {
    return JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")).version;
  } catch {
    return "not installed";
  }
}
