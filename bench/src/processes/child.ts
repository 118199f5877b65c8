import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";

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
      // The whole group, even when the leader is gone: wrangler's workerd can outlive wrangler.
      if (!done) {
        signalGroup(pid, "SIGTERM");
        const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), 3000);
        await exited;
        clearTimeout(timer);
      }
      // Once the leader is gone its pid could be reused; its old group's members cannot.
      if (orphansOf(pid).length > 0) signalGroup(pid, "SIGKILL");
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

/** Processes still in the group `pgid` other than its leader (children the leader left behind). */
function orphansOf(pgid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === pgid) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // "pid (comm) state ppid pgrp …": comm may hold spaces, so count from the last ")".
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid) found.push(pid);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}
