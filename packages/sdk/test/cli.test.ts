// The example CLI (examples/cli), run as a user would: it streams reasoning dimmed, then the
// answer plain, and fails with a clear message and exit code.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import {
  DEFAULT_CONTENT,
  DEFAULT_REASONING,
  type Emulator,
  emuPrompt,
  startEmulator,
} from "@thinkgate/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "./run.js";

const cliDir = resolve(import.meta.dirname, "../../../examples/cli");
const tsx = join(cliDir, "node_modules/.bin/tsx");
const env = (extra: Record<string, string>) => ({ NO_COLOR: "", FORCE_COLOR: "", ...extra });

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu.close();
});

describe("examples/cli", () => {
  it("streams reasoning dimmed and the answer plain, against its own emulator", async () => {
    const out = await run(tsx, ["main.ts", "--emulator"], {
      cwd: cliDir,
      env: env({ FORCE_COLOR: "1" }),
    });
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(`\x1b[2m${DEFAULT_REASONING}\x1b[22m\n\n${DEFAULT_CONTENT}`);
    expect(out.stderr).toMatch(/\[stop, \d+ tokens\]/);
  });

  it("uses THINKGATE_BASE_URL and THINKGATE_API_KEY, and no colour with NO_COLOR", async () => {
    const out = await run(tsx, ["main.ts", "--model", "Qwen/QwQ-32B", "Is", "it", "42?"], {
      cwd: cliDir,
      env: env({
        THINKGATE_BASE_URL: `${emu.url}/vllm-raw/v1`,
        THINKGATE_API_KEY: "tg-cli",
        NO_COLOR: "1",
        FORCE_COLOR: "1",
      }),
    });
    // Raw QwQ needs --think-open to split reasoning from the answer: asked again below.
    expect(out.code).toBe(0);
    const request = emu.requests.at(-1)!;
    expect(request.headers.authorization).toBe("Bearer tg-cli");
    expect((request.body as { model: string; messages: Array<{ content: string }> }).model).toBe(
      "Qwen/QwQ-32B",
    );
    expect((request.body as { messages: Array<{ content: string }> }).messages[0]!.content).toBe(
      "Is it 42?",
    );
    expect(out.stdout).not.toContain("\x1b[");

    const right = await run(tsx, ["main.ts", "--think-open"], {
      cwd: cliDir,
      env: env({ THINKGATE_BASE_URL: `${emu.url}/vllm-raw/v1`, NO_COLOR: "1" }),
    });
    expect(right.stdout).toBe(`${DEFAULT_REASONING}\n\n${DEFAULT_CONTENT}`);
  });

  it("reports a server error with its class and status, exit code 1", async () => {
    const out = await run(tsx, ["main.ts"], {
      cwd: cliDir,
      env: env({ THINKGATE_BASE_URL: `${emu.url}/nowhere/v1` }),
    });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/NotFoundError 404/);
  });

  it("says how to configure it when there is nothing to talk to", async () => {
    const out = await run(tsx, ["main.ts"], { cwd: cliDir, env: env({ THINKGATE_BASE_URL: "" }) });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/THINKGATE_BASE_URL/);
  });

  it("Ctrl-C aborts the request: the connection closes and the exit code is 130", async () => {
    const child = spawn(
      "node",
      ["--import", "tsx", "main.ts", emuPrompt({ chunks: 500, chunkDelayMs: 20 })],
      {
        cwd: cliDir,
        env: {
          ...process.env,
          ...env({ THINKGATE_BASE_URL: `${emu.url}/vllm/v1`, NO_COLOR: "1" }),
        },
      },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
    });
    // Interrupt once the thinking is visibly streaming.
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(130);
    expect(stderr).toContain("[aborted]");
    const request = emu.requests.at(-1)!;
    await request.done;
    expect(request.closedByClient).toBe(true);
  });

  it("type-checks against the built SDK's declarations", async () => {
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    const out = await run("node", [tsc, "--noEmit", "-p", cliDir]);
    expect(out.stdout + out.stderr).toBe("");
    expect(out.code).toBe(0);
  });
});
