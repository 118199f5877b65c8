import { type ChildProcess, execFile, spawn } from "node:child_process";
import { copyFile, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type Emulator, startEmulator } from "@thinkgate/emulator";
import { type RedisServer, startRedisServer } from "@thinkgate/upstash-local";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ask } from "./harness.js";
import { sampleValue } from "./support/exposition.js";

// `pnpm build`'s output run exactly as production runs it: dist/server.mjs copied alone into an
// empty directory with a config file, started with plain `node` (no node_modules anywhere up the
// tree, no tsx), serving the emulator's models with a real redis-server as its store.

const appDir = fileURLToPath(new URL("..", import.meta.url));
const KEY = "tg-bundle-test-key";
const ADMIN = "bundle-test-admin-token-0123456789";

let emulator: Emulator;
let redis: RedisServer;
let dir: string;
let child: ChildProcess | undefined;
let url: string;
let stderr = "";

beforeAll(async () => {
  await promisify(execFile)(process.execPath, ["build.mjs"], { cwd: appDir });
  emulator = await startEmulator();
  redis = await startRedisServer();
  // The OS temp dir: no node_modules above it for the bundle to fall back on.
  dir = await mkdtemp(join(tmpdir(), "thinkgate-bundle-"));
  await copyFile(join(appDir, "dist", "server.mjs"), join(dir, "server.mjs"));
  await writeFile(
    join(dir, "config.json"),
    JSON.stringify({
      store: { type: "redis", url: redis.url },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's own "${NAME}" syntax
      admin: { token: "${ADMIN_TOKEN}" },
      backends: { emu: { type: "openai-compatible", baseUrl: `${emulator.url}/vllm/v1` } },
      models: { "qwq-32b": { targets: [{ backend: "emu", model: "Qwen/QwQ-32B" }] } },
      keys: [{ key: KEY, tenant: "bundle", limits: { rpm: 100 } }],
    }),
  );
  expect((await readdir(dir)).sort()).toEqual(["config.json", "server.mjs"]);
  const proc = spawn(process.execPath, ["server.mjs"], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? "",
      THINKGATE_CONFIG: "config.json",
      PORT: "0",
      ADMIN_TOKEN: ADMIN,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child = proc;
  url = await new Promise<string>((resolve, reject) => {
    proc.stderr?.on("data", (d) => {
      stderr += String(d);
      const found = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1];
      if (found) resolve(found);
    });
    proc.once("exit", (code) => reject(new Error(`server.mjs exited (${code}): ${stderr}`)));
  });
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child?.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }
  await redis?.stop();
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the bundled server (pnpm build)", () => {
  it("serves streaming and non-streaming requests with plain node, its store in Redis", async () => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: KEY, maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: "qwq-32b",
      messages: ask({ content: "bundled answer" }),
    });
    expect(completion.choices[0]?.message.content).toBe("bundled answer");

    const stream = await client.chat.completions.create({
      model: "qwq-32b",
      stream: true,
      messages: ask({ content: "streamed answer" }),
    });
    let content = "";
    for await (const chunk of stream) content += chunk.choices[0]?.delta?.content ?? "";
    expect(content).toBe("streamed answer");

    // The key's rpm limit went through the Redis store: its headers say so.
    const { response } = await client.chat.completions
      .create({ model: "qwq-32b", messages: ask() })
      .withResponse();
    expect(response.headers.get("x-ratelimit-limit-requests")).toBe("100");
    expect(Number(response.headers.get("x-ratelimit-remaining-requests"))).toBeLessThan(100);
  }, 60_000);

  it("answers /readyz and /metrics", async () => {
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: "ready",
      store: { type: "redis", ok: true },
    });

    const metrics = await fetch(`${url}/metrics`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(sampleValue(text, "thinkgate_requests_total", { model: "qwq-32b", status: "200" })).toBe(
      3,
    );
    expect(
      sampleValue(text, "thinkgate_store_operation_duration_seconds_count", {
        operation: "slidingWindow",
      }),
    ).toBeGreaterThanOrEqual(3);
  });

  it("stops on SIGTERM with exit code 0", async () => {
    const proc = child as ChildProcess;
    const exited = new Promise<number | null>((resolve) => proc.once("exit", resolve));
    proc.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 30_000);
});
