import { type ChildProcess, spawn } from "node:child_process";
import { createServer, Socket } from "node:net";

// A throwaway redis-server for tests and local runs: a free port on 127.0.0.1, nothing written to
// disk, killed on stop(). start() again brings it back on the same port (outage tests).

export interface RedisServer {
  port: number;
  url: string;
  /** Starts it again on the same port after stop(). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A port on 127.0.0.1 that nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no free port");
  return address.port;
}

async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(500);
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data.toString().startsWith("+PONG"));
    });
  });
}

export async function startRedisServer(binary = "redis-server"): Promise<RedisServer> {
  let port = await freePort();
  let child: ChildProcess | null = null;

  async function start(): Promise<void> {
    const proc = spawn(binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", ""], {
      stdio: "ignore",
    });
    // "--save ''" and no appendonly: nothing touches the disk.
    child = proc;
    const exited = new Promise<never>((_, reject) =>
      proc.once("exit", (code) => reject(new Error(`redis-server exited (${code})`))),
    );
    exited.catch(() => {});
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      if (await Promise.race([answersPing(port), exited])) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    proc.kill("SIGKILL");
    throw new Error(`redis-server did not answer on port ${port}`);
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill("SIGKILL");
    await exited;
  }

  // Another process may take the free port before redis-server binds it: try a new one.
  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      break;
    } catch (error) {
      if (attempt === 3) throw error;
      port = await freePort();
    }
  }
  return { port, url: `redis://127.0.0.1:${port}`, start, stop };
}
