import { join } from "node:path";
import { type Child, startChild } from "./child.js";
import { freePort } from "./free-port.js";
import { waitForHttp } from "./ready.js";

export interface Upstream {
  url: string; // "http://127.0.0.1:PORT"
  child: Child;
}

export const BENCH_DIR = join(import.meta.dirname, "..", "..");

/**
 * Node with tsx loaded, for our TypeScript entry points and the workspace packages they import.
 * tsx is named by its resolved URL, so a child may run in any directory (apps/worker has none).
 */
export const TSX_NODE = [process.execPath, "--import", import.meta.resolve("tsx")] as const;

/** `--import` of the preload that ends a contender when the harness is gone. */
export const EXIT_WITH_PARENT = [
  "--import",
  import.meta.resolve("./exit-with-parent-preload.mjs"),
] as const;

export async function startUpstream(logDir: string): Promise<Upstream> {
  const port = await freePort();
  const [node, ...flags] = TSX_NODE;
  const child = startChild({
    name: "emulator",
    command: node,
    args: [...flags, join(BENCH_DIR, "src/processes/upstream-main.ts"), String(port)],
    cwd: BENCH_DIR,
    logFile: join(logDir, "emulator.log"),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/vllm/v1/models`, child, 30_000, 200);
  return { url, child };
}
