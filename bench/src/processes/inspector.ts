import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { WebSocket } from "undici";
import type { Child } from "./child.js";

const LISTENING = /Debugger listening on (ws:\/\/\S+)/g;

/**
 * A full garbage collection inside a Node child started with `--inspect-port=0`: SIGUSR1 opens
 * its inspector (inert until then), and HeapProfiler.collectGarbage runs the GC. Memory read
 * right after holds what is live, not what a lazy GC has not yet swept.
 */
export async function collectGarbage(child: Child, logFile: string): Promise<void> {
  let url = lastInspectorUrl(logFile);
  if (!url) {
    process.kill(child.pid, "SIGUSR1");
    for (let i = 0; i < 50 && !url; i++) {
      await sleep(100);
      url = lastInspectorUrl(logFile);
    }
    if (!url) throw new Error(`${child.name}: its inspector did not open (SIGUSR1)`);
  }
  const socket = new WebSocket(url);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener("error", () => reject(new Error(`cannot reach ${url}`)), {
        once: true,
      });
    });
    for (let id = 1; id <= 2; id++) {
      // Twice: the first collection can leave objects that only the second finds dead.
      const answered = new Promise<void>((resolve) => {
        const onMessage = (event: { data: unknown }) => {
          if (JSON.parse(String(event.data)).id === id) {
            socket.removeEventListener("message", onMessage);
            resolve();
          }
        };
        socket.addEventListener("message", onMessage);
      });
      socket.send(JSON.stringify({ id, method: "HeapProfiler.collectGarbage" }));
      await Promise.race([
        answered,
        sleep(10_000).then(() => Promise.reject(new Error("GC timed out"))),
      ]);
    }
  } finally {
    socket.close();
  }
}

function lastInspectorUrl(logFile: string): string | undefined {
  const text = readFileSync(logFile, "utf8");
  return [...text.matchAll(LISTENING)].pop()?.[1];
}
