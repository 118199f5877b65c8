import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";

/** A process this harness started, in a process group of its own (wrangler starts workerd). */
export interface Child {
  name: string;
  pid: number;
  exited: Promise<number | null>;
  hasExited(): boolean;
  /** The last lines it wrote, for error messages. */
  logTail(lines?: number): string;
  /** Distinct exception lines it logged ("TypeError: immutable"): why requests failed. */
  exceptions(): string[];
  stop(): Promise<void>;
}

export interface ChildOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env?: Record<string, string>;
  logFile: string; // stdout and stderr: a file, so a chatty child never blocks on a full pipe
}

const EXCEPTION = /\b[A-Z]\w*Error: .{0,160}/;

export function startChild(options: ChildOptions): Child {
  const log = openSync(options.logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", log, log],
      detached: true,
    });
  } finally {
    closeSync(log);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.name}: could not start ${options.command}`);
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      done = true;
      resolve(code);
    });
    child.once("error", () => {
      done = true;
      resolve(null);
    });
  });
  return {
    name: options.name,
    pid,
    exited,
    hasExited: () => done,
    logTail: (lines = 20) => {
      try {
        return readFileSync(options.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
      } catch {
        return "";
      }
    },
    exceptions: () => {
      try {
        const lines = readFileSync(options.logFile, "utf8").split("\n");
        const found = lines.map((l) => EXCEPTION.exec(l)?.[0]).filter((l): l is string => !!l);
        return [...new Set(found)].slice(0, 5);
      } catch {
        return [];
      }
    },
    stop: async () => {
      if (done) return;
      signalGroup(pid, "SIGTERM");
      const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
      // Its own children (workerd under wrangler) may outlive the leader: end the group.
      signalGroup(pid, "SIGKILL");
    },
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // the group this harness created (detached), nothing else
  } catch {
    // already gone
  }
}
