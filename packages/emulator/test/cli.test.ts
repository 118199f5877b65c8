import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
let child: ChildProcess | undefined;

afterEach(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  child = undefined;
});

function start(args: string[], env: Record<string, string> = {}): Promise<string> {
  child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
    cwd: packageDir,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child!.stdout!.on("data", (part: Buffer) => {
      out += part.toString();
      if (out.includes("llamacpp")) resolve(out);
    });
    child!.once("exit", (code) => reject(new Error(`cli exited with ${code}: ${out}`)));
  });
}

describe("cli", () => {
  it("prints the URL and every dialect prefix, and serves them", async () => {
    const out = await start(["--port", "0"]);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    for (const prefix of [
      "/dashscope/compatible-mode/v1",
      "/vllm/v1",
      "/vllm-0.11/v1",
      "/vllm-raw/v1",
      "/sglang/v1",
      "/ollama/v1",
      "/llamacpp/v1",
    ]) {
      expect(out).toContain(`${url}${prefix}`);
    }
    const res = await fetch(`${url}/vllm/v1/models`);
    expect(res.status).toBe(200);
  });

  it("takes the port from PORT", async () => {
    const out = await start([], { PORT: "0" });
    expect(out).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(out).not.toContain(":4010");
  });

  it("refuses a bad port", async () => {
    await expect(start(["--port", "http"])).rejects.toThrow(/exited with 2/);
  });
});
