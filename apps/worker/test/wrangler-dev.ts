import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const repoRoot = resolve(import.meta.dirname, "../../..");
const wranglerBin = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");

export interface DevWorker {
  /** "http://127.0.0.1:PORT" */
  url: string;
  /** Everything wrangler and the Worker printed so far (request log lines included). */
  output(): string;
  /** Stops wrangler and its workerd, and waits until both are gone. */
  stop(): Promise<void>;
}

export interface DevWorkerOptions {
  /** Bindings, as `.env` lines: THINKGATE_CONFIG and whatever it references. */
  vars: Record<string, string>;
  startTimeoutMs?: number;
}

/**
 * The root wrangler.toml served by `wrangler dev` (the real workerd) in a child process. A
 * child, not wrangler's in-process API: wrangler swaps the process's global fetch dispatcher,
 * whose aborts then no longer close the socket, and the abort test needs a client that really
 * hangs up. The child leads its own process group, so stopping it reaches workerd too.
 */
export async function startWranglerDev(options: DevWorkerOptions): Promise<DevWorker> {
  const dir = await mkdtemp(join(tmpdir(), "thinkgate-worker-"));
  const envFile = join(dir, ".env");
  await writeFile(envFile, dotenv(options.vars));
  const child = spawn(
    process.execPath,
    [
      wranglerBin,
      "dev",
      "--config",
      join(repoRoot, "wrangler.toml"),
      "--env-file",
      envFile,
      "--ip",
      "127.0.0.1",
      "--port",
      "0",
      "--inspector-port",
      "0",
      "--persist-to",
      join(dir, "state"),
      "--show-interactive-dev-session=false",
      "--log-level",
      "info",
    ],
    {
      cwd: repoRoot,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        WRANGLER_SEND_METRICS: "false",
        // No outside network here: skip fetching the Request.cf template from Cloudflare.
        CLOUDFLARE_CF_FETCH_ENABLED: "false",
        NO_COLOR: "1",
        FORCE_COLOR: "0",
      },
    },
  );
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));

  const stop = async () => {
    await killGroup(child, exited);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const url = await ready(child, () => output, options.startTimeoutMs ?? 60_000);
    return { url, output: () => output, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function ready(child: ChildProcess, output: () => string, timeoutMs: number): Promise<string> {
  return new Promise((done, fail) => {
    const check = () => {
      const match = /Ready on (http:\/\/127\.0\.0\.1:\d+)/.exec(output());
      if (match?.[1]) finish(() => done(match[1] as string));
    };
    const timer = setTimeout(
      () => finish(() => fail(new Error(`wrangler dev did not start:\n${output()}`))),
      timeoutMs,
    );
    const onExit = () => finish(() => fail(new Error(`wrangler dev exited:\n${output()}`)));
    const finish = (then: () => void) => {
      clearTimeout(timer);
      child.stdout?.off("data", check);
      child.stderr?.off("data", check);
      child.off("exit", onExit);
      then();
    };
    child.stdout?.on("data", check);
    child.stderr?.on("data", check);
    child.once("exit", onExit);
  });
}

async function killGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.pid === undefined) return;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), name);
    } catch {
      // the group is already gone
    }
  };
  signal("SIGTERM");
  const timeout = new Promise<"timeout">((done) => setTimeout(() => done("timeout"), 5000).unref());
  if ((await Promise.race([exited, timeout])) === "timeout") signal("SIGKILL");
  // wrangler exiting does not mean workerd has: finish the whole group either way.
  signal("SIGKILL");
  await exited;
}

function dotenv(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([name, value]) => {
      if (value.includes("'") || value.includes("\n")) {
        throw new Error(`${name}: single quotes and newlines cannot be passed through .env`);
      }
      // Wrangler expands "${NAME}" in .env files (dotenv-expand), quotes or not; the config's
      // own references must reach the Worker as written, so their "$" is escaped.
      return `${name}='${value.replaceAll("$", "\\$")}'\n`;
    })
    .join("");
}
