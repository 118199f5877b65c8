import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { useStores } from "./stores.js";

// Two gateway processes, one shared Redis, one key: a simultaneous burst from both never gets
// more than the key's limit through: exactly rpm 10 of 60 (tpm and concurrency run but never bind).

const stores = useStores();
const script = fileURLToPath(new URL("./fixtures/limiter-process.ts", import.meta.url));
const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));

function instance(args: string[]) {
  const child: ChildProcess = spawn(tsx, [script, ...args], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      lines.once("line", resolve);
      child.once("exit", (code) => reject(new Error(`instance exited (${code})`)));
    });
  return { child, next };
}

describe.each(["redis", "upstash"] as const)("two gateway processes on one %s", (type) => {
  it("admit exactly the limit of a burst fired from both at once", async () => {
    const url = type === "redis" ? stores.redis.url : stores.upstash.url;
    const args = [type, url, "tenancy-test-token", stores.newPrefix(), "30"];
    const a = instance(args);
    const b = instance(args);
    try {
      expect(await Promise.all([a.next(), b.next()])).toEqual(["ready", "ready"]);
      const results = Promise.all([a.next(), b.next()]);
      a.child.stdin!.write("go\n");
      b.child.stdin!.write("go\n");
      const admitted = (await results).map(
        (line) => (JSON.parse(line) as { admitted: number }).admitted,
      );
      expect(admitted[0]! + admitted[1]!).toBe(10);
    } finally {
      a.child.kill();
      b.child.kill();
    }
  }, 60_000);
});
