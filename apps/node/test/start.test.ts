import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { afterEach, describe, expect, it, vi } from "vitest";

const appDir = fileURLToPath(new URL("..", import.meta.url));
const tsx = join(appDir, "node_modules", ".bin", "tsx");
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

/** Runs `pnpm start`'s entry (src/main.ts), or `pnpm dev`'s, the way the package scripts do. */
function start(env: Record<string, string>, entry = "src/main.ts") {
  const child = spawn(tsx, [entry], {
    cwd: appDir,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stderr = "";
  let stdout = "";
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  child.stdout?.on("data", (d) => {
    stdout += String(d);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  const listening = new Promise<string>((resolve, reject) => {
    const check = () => {
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1];
      if (url) resolve(url);
    };
    child.stderr?.on("data", check);
    exited.then(() => reject(new Error(`exited before listening: ${stderr}`)));
  });
  listening.catch(() => {}); // a test expecting an early exit never waits for it
  return { child, listening, exited, output: () => ({ stderr, stdout }) };
}

describe("pnpm start", () => {
  it("serves the embedded default's demo model on loopback, and stops on SIGTERM", async () => {
    const proc = start({});
    const url = await proc.listening;
    const { stderr } = proc.output();
    expect(stderr).toContain("embedded default");
    expect(stderr).toContain("curl");
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "anonymous", maxRetries: 0 });
    expect((await client.models.list()).data.map((m) => m.id)).toEqual(["demo"]);
    const completion = await client.chat.completions.create({
      model: "demo",
      messages: [{ role: "user", content: "hi" }],
    });
    const message = completion.choices[0]?.message as unknown as {
      content: string;
      reasoning_content: string;
    };
    expect(message.reasoning_content).toContain("demo backend, not a language model");
    expect(message.content).toContain("demo backend");
    // The child writes the line as the response ends: waited for, however slowly it runs.
    await vi.waitFor(() => {
      const logLine = JSON.parse(proc.output().stdout.trim().split("\n").at(-1) ?? "{}");
      expect(logLine).toMatchObject({
        msg: "request",
        model: "demo",
        backend: "demo",
        status: 200,
      });
    }, 10_000);
    proc.child.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  }, 60_000);

  it("stops with exit code 1 and names the field when the config is bad", async () => {
    const dir = await mkdtemp(join(tmpdir(), "thinkgate-"));
    const file = join(dir, "config.json");
    await writeFile(
      file,
      JSON.stringify({
        backends: { b: { type: "openai-compatible", baseUrl: "not a url" } },
        models: {},
      }),
    );
    const proc = start({ THINKGATE_CONFIG: file });
    expect(await proc.exited).toBe(1);
    expect(proc.output().stderr).toMatch(/backends\.b\.baseUrl: expected an http\(s\) URL/);
  }, 60_000);

  it("stops with exit code 1 for a config that is not JSON, naming the position and never its text", async () => {
    const dir = await mkdtemp(join(tmpdir(), "thinkgate-"));
    const file = join(dir, "config.json");
    await writeFile(
      file,
      '{\n  "backends": {},\n  "keys": [{ "key": sk-live-secret-0123456789 }]\n}',
    );
    const proc = start({ THINKGATE_CONFIG: file });
    expect(await proc.exited).toBe(1);
    const { stderr } = proc.output();
    expect(stderr).toMatch(/is not valid JSON: syntax error at line 3, column 21/);
    expect(stderr).not.toContain("sk-live");
    expect(stderr).not.toContain("secret");
  }, 20_000);

  it('stops with exit code 1 for auth "none" on a public address, unless allowed', async () => {
    const dir = await mkdtemp(join(tmpdir(), "thinkgate-"));
    const file = join(dir, "config.json");
    await writeFile(
      file,
      JSON.stringify({
        server: { host: "0.0.0.0", auth: "none" },
        backends: { gpu: { type: "openai-compatible", baseUrl: "http://127.0.0.1:9/v1" } },
        models: { m: { targets: [{ backend: "gpu", model: "m" }] } },
      }),
    );
    const proc = start({ THINKGATE_CONFIG: file });
    expect(await proc.exited).toBe(1);
    expect(proc.output().stderr).toMatch(
      /server\.auth: "none" lets anyone who can reach 0\.0\.0\.0/,
    );
  }, 20_000);

  it("serves a config file's models, with its keys' limits and the admin API", async () => {
    const dir = await mkdtemp(join(tmpdir(), "thinkgate-"));
    const file = join(dir, "config.json");
    await writeFile(
      file,
      JSON.stringify({
        backends: { gpu: { type: "openai-compatible", baseUrl: "http://127.0.0.1:9/v1" } },
        models: { "qwq-32b": { targets: [{ backend: "gpu", model: "Qwen/QwQ-32B" }] } },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's own "${NAME}" syntax
        keys: [{ key: "${TEST_KEY}", tenant: "t", limits: { rpm: 2 } }],
      }),
    );
    const proc = start({
      THINKGATE_CONFIG: file,
      TEST_KEY: "tg-from-env-123",
      THINKGATE_ADMIN_TOKEN: "admin-secret-0123456789",
    });
    const url = await proc.listening;
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "tg-from-env-123", maxRetries: 0 });
    expect((await client.models.list()).data.map((m) => m.id)).toEqual(["qwq-32b"]);
    // The config key's limits are enforced (memory store): 2 requests a minute, the third is 429.
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer tg-from-env-123" },
        body: JSON.stringify({ model: "qwq-32b", messages: [{ role: "user", content: "hi" }] }),
      });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([502, 502, 429]); // the backend is down; the limit still counts
    // The admin API is on: a key created there works at once.
    const created = await fetch(`${url}/admin/keys`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: "Bearer admin-secret-0123456789",
      },
      body: JSON.stringify({ tenant: "new-team", models: ["qwq-32b"] }),
    });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    const fresh = new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0 });
    expect((await fresh.models.list()).data.map((m) => m.id)).toEqual(["qwq-32b"]);
    proc.child.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  }, 60_000);

  it("pnpm dev streams QwQ-style reasoning from the emulator through the gateway", async () => {
    const proc = start({}, "src/dev.ts");
    const url = await proc.listening;
    expect(proc.output().stderr).toContain("curl");
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "anonymous", maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: "qwq-32b",
      stream: true,
      messages: [{ role: "user", content: "9.9 or 9.11?" }],
    });
    let reasoning = "";
    let content = "";
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as
        | { reasoning_content?: string | null; content?: string | null }
        | undefined;
      reasoning += delta?.reasoning_content ?? "";
      content += delta?.content ?? "";
    }
    expect(reasoning.length).toBeGreaterThan(20);
    expect(content.length).toBeGreaterThan(5);
    proc.child.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  }, 60_000);
});
