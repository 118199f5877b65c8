import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Redis } from "@upstash/redis/cloudflare";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../src/index.js";

// The dev tool as users run it: the CLI, on a port it is given, in front of a real Redis.

let redisServer: RedisServer;
beforeAll(async () => {
  redisServer = await startRedisServer();
});
afterAll(async () => {
  await redisServer?.stop();
});

const tsx = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url));
const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));

it("serves @upstash/redis on the URL it prints, and stops on SIGTERM", async () => {
  const child = spawn(
    tsx,
    [cli, "--redis", redisServer.url, "--token", "cli-token", "--port", "0"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  try {
    const firstLine = await new Promise<string>((resolve) =>
      createInterface({ input: child.stdout! }).once("line", resolve),
    );
    const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(firstLine)?.[1];
    expect(url).toBeDefined();
    const redis = new Redis({ url: url!, token: "cli-token", retry: false });
    await redis.set("from-cli", "yes");
    expect(await redis.get("from-cli")).toBe("yes");
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  } finally {
    child.kill("SIGKILL");
  }
});

it("refuses to start without a token", async () => {
  const child = spawn(tsx, [cli, "--redis", redisServer.url], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, UPSTASH_LOCAL_TOKEN: "" },
  });
  let stderr = "";
  child.stderr!.on("data", (d) => {
    stderr += String(d);
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  expect(code).toBe(2);
  expect(stderr).toMatch(/--token is required/);
});
