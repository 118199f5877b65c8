import { type ChildProcess, fork } from "node:child_process";
import { join } from "node:path";
import type { Job, Reply, ResultOf } from "./jobs.js";

/** The parent's handle on the load generator process: send a job, await its result. */
export class LoadGenerator {
  private readonly child: ChildProcess;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  private nextId = 1;

  constructor(cwd: string) {
    this.child = fork(join(import.meta.dirname, "worker.ts"), [], {
      cwd,
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.child.on("message", (reply: Reply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if ("error" in reply) waiter.reject(new Error(`load generator: ${reply.error}`));
      else waiter.resolve(reply.result);
    });
    this.child.once("exit", (code) => {
      for (const waiter of this.pending.values()) {
        waiter.reject(new Error(`load generator exited (code ${code})`));
      }
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  run<J extends Job>(job: J): Promise<ResultOf[J["kind"]]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, job });
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  }
}
