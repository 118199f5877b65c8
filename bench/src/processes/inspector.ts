import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { WebSocket } from "undici";
import type { Child } from "./child.js";

const LISTENING = /Debugger listening on (ws:\/\/\S+)/g;

/**
 * A DevTools-protocol session with a Node child started with `--inspect-port=0`: SIGUSR1 opens
 * its inspector (inert until then), and the URL it prints to its log is where to connect.
 */
export class Inspector {
  private nextId = 1;
  private readonly listeners = new Set<(message: Record<string, unknown>) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data)) as Record<string, unknown>;
      for (const listener of this.listeners) listener(message);
    });
  }

  static async open(child: Child, logFile: string): Promise<Inspector> {
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
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener("error", () => reject(new Error(`cannot reach ${url}`)), {
        once: true,
      });
    });
    return new Inspector(socket);
  }

  /** Sends one command and waits for its answer. */
  call<T = unknown>(
    method: string,
    params: Record<string, unknown> = {},
    timeoutMs = 60_000,
  ): Promise<T> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`${method} timed out`));
      }, timeoutMs);
      const listener = (message: Record<string, unknown>) => {
        if (message.id !== id) return;
        this.listeners.delete(listener);
        clearTimeout(timer);
        if (message.error) reject(new Error(`${method}: ${JSON.stringify(message.error)}`));
        else resolve(message.result as T);
      };
      this.listeners.add(listener);
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** A full GC, twice: the first can leave objects only the second finds dead. */
  async collectGarbage(): Promise<void> {
    await this.call("HeapProfiler.collectGarbage");
    await this.call("HeapProfiler.collectGarbage");
  }

  /** The V8 heap snapshot, as the JSON text DevTools would save. */
  async heapSnapshot(): Promise<string> {
    const parts: string[] = [];
    const listener = (message: Record<string, unknown>) => {
      if (message.method === "HeapProfiler.addHeapSnapshotChunk") {
        parts.push((message.params as { chunk: string }).chunk);
      }
    };
    this.listeners.add(listener);
    try {
      await this.call("HeapProfiler.takeHeapSnapshot", { reportProgress: false }, 300_000);
    } finally {
      this.listeners.delete(listener);
    }
    return parts.join("");
  }

  close(): void {
    this.socket.close();
  }
}

function lastInspectorUrl(logFile: string): string | undefined {
  const text = readFileSync(logFile, "utf8");
  return [...text.matchAll(LISTENING)].pop()?.[1];
}
