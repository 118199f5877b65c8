// The package as users get it: the packed tarball, linted (publint, attw), measured, installed
// into a fresh project and used from ESM, from CJS and from strict TypeScript.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  DEFAULT_CONTENT,
  DEFAULT_REASONING,
  type Emulator,
  startEmulator,
} from "@thinkgate/emulator";
import { publint } from "publint";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { run } from "./run.js";

const tarball = inject("tarball");
const packageDir = inject("packageDir");
const bin = (name: string) => join(packageDir, "node_modules/.bin", name);

/**
 * The streaming client's budget: min+gzip of `import { Thinkgate }` with everything it pulls in.
 * It measured 8,378 B when this was set (the requirement is well under 10 KB): a small margin,
 * so that growth is a decision, not an accident.
 */
const BUDGET_BYTES = 8.75 * 1024;

/** Bundles `entry` (from the package directory) with esbuild, minified. */
function minified(entry: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      bin("esbuild"),
      ["--bundle", "--minify", "--format=esm", "--platform=neutral"],
      {
        cwd: packageDir,
      },
    );
    const chunks: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve(Buffer.concat(chunks))
        : reject(new Error(`esbuild exited with ${code}`)),
    );
    child.stdin.end(entry);
  });
}

const require = createRequire(import.meta.url);

describe("package quality", () => {
  it("passes publint on the packed tarball, without warnings", async () => {
    const bytes = await readFile(tarball);
    const { messages, pkg } = await publint({
      pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) },
      level: "suggestion",
      strict: true,
    });
    expect((pkg as { name: string }).name).toBe("thinkgate"); // it read the tarball
    expect(messages).toEqual([]);
  });

  it("passes @arethetypeswrong/cli: ESM and CJS each resolve their own types", async () => {
    const { stdout } = await run(bin("attw"), [
      tarball,
      "--format",
      "json",
      "--no-definitely-typed",
    ]);
    const report = JSON.parse(stdout) as {
      problems: unknown;
      analysis: {
        entrypoints: Record<
          string,
          { resolutions: Record<string, { resolution?: { fileName: string } }> }
        >;
      };
    };
    expect(report.problems).toEqual({});
    const files = Object.fromEntries(
      Object.entries(report.analysis.entrypoints["."]!.resolutions).map(([k, v]) => [
        k,
        v.resolution?.fileName,
      ]),
    );
    expect(files).toEqual({
      node10: "/node_modules/thinkgate/dist/index.d.ts",
      "node16-cjs": "/node_modules/thinkgate/dist/index.d.cts",
      "node16-esm": "/node_modules/thinkgate/dist/index.d.ts",
      bundler: "/node_modules/thinkgate/dist/index.d.ts",
    });
  });

  it("ships only dist/, declares no runtime dependencies, and is side-effect free", async () => {
    const { stdout } = await run("tar", ["-tzf", tarball]);
    const files = stdout.trim().split("\n").sort();
    expect(files).toEqual([
      "package/README.md",
      "package/dist/index.cjs",
      "package/dist/index.d.cts",
      "package/dist/index.d.ts",
      "package/dist/index.js",
      "package/package.json",
    ]);
    const pkg = JSON.parse(await readFile(join(packageDir, "package.json"), "utf8"));
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.sideEffects).toBe(false);
    // Nothing private may be imported at run time: core is bundled in.
    const esm = await readFile(join(packageDir, "dist/index.js"), "utf8");
    expect(esm).not.toMatch(/from\s+["'](?!\.)/);
    expect(await readFile(join(packageDir, "dist/index.d.ts"), "utf8")).not.toContain(
      "@thinkgate/",
    );
  });

  it(`keeps the streaming client under ${BUDGET_BYTES} bytes min+gzip`, async () => {
    const gzipped = async (entry: string) => gzipSync(await minified(entry), { level: 9 }).length;
    const client = await gzipped('export { Thinkgate } from "./dist/index.js";');
    const everything = await gzipped('export * from "./dist/index.js";');
    console.info(`thinkgate size (min+gzip): Thinkgate ${client} B, whole package ${everything} B`);
    expect(client).toBeLessThan(BUDGET_BYTES);
    // Recorded, not budgeted: fromOpenAI and the rest add little on top of the client.
    expect(everything - client).toBeLessThan(1024);
  });

  it("keeps error names when an app minifies it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "thinkgate-min-"));
    try {
      const file = join(dir, "thinkgate.min.mjs");
      await writeFile(file, await minified('export * from "./dist/index.js";'));
      const sdk = (await import(file)) as Record<string, new (message: string) => Error>;
      const names = Object.keys(sdk).filter((k) => k.endsWith("Error"));
      expect(names.length).toBe(11);
      for (const name of names) expect(new sdk[name]!("x").name).toBe(name);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the tarball installed into a fresh project", () => {
  let emu: Emulator;
  let project: string;

  beforeAll(async () => {
    emu = await startEmulator();
    project = await mkdtemp(join(tmpdir(), "thinkgate-consumer-"));
    await writeFile(
      join(project, "package.json"),
      JSON.stringify({ name: "consumer", private: true }),
    );
    const installed = await run(
      "npm",
      ["install", tarball, "--offline", "--no-audit", "--no-fund", "--ignore-scripts"],
      { cwd: project },
    );
    expect(installed.stderr).not.toMatch(/ERR!/);
    expect(installed.code).toBe(0);
  });
  afterAll(async () => {
    await emu?.close();
    if (project) await rm(project, { recursive: true, force: true });
  });

  const program = (load: string) => `${load}
const tg = new Thinkgate({ baseURL: process.env.EMU_URL + "/vllm/v1", apiKey: "k" });
(async () => {
  const stream = tg.chat.stream({ model: "m", messages: [{ role: "user", content: "hi" }] });
  const kinds = [];
  for await (const ev of stream) if (kinds.at(-1) !== ev.type) kinds.push(ev.type);
  const result = await stream.final();
  let error = "";
  try { await new Thinkgate({ baseURL: process.env.EMU_URL + "/nowhere/v1", maxRetries: 0 }).chat.create({ model: "m", messages: [] }); }
  catch (e) { error = e instanceof ThinkgateError ? e.constructor.name + " " + e.status : String(e); }
  console.log(JSON.stringify({ kinds, reasoning: result.reasoning, content: result.content, error }));
})();
`;

  const expected = {
    kinds: ["reasoning", "content", "usage", "done"],
    reasoning: DEFAULT_REASONING,
    content: DEFAULT_CONTENT,
    error: "NotFoundError 404",
  };

  it("works from ESM (import)", async () => {
    await writeFile(
      join(project, "esm.mjs"),
      program('import { Thinkgate, ThinkgateError } from "thinkgate";'),
    );
    const out = await run("node", ["esm.mjs"], { cwd: project, env: { EMU_URL: emu.url } });
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toEqual(expected);
  });

  it("works from CJS (require)", async () => {
    await writeFile(
      join(project, "cjs.cjs"),
      program('const { Thinkgate, ThinkgateError } = require("thinkgate");'),
    );
    const out = await run("node", ["cjs.cjs"], { cwd: project, env: { EMU_URL: emu.url } });
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toEqual(expected);
  });

  it("type-checks a strict example, as ESM and as CJS (NodeNext)", async () => {
    const example = `import { type ChatEvent, Thinkgate, RateLimitError } from "thinkgate";
const tg = new Thinkgate({ baseURL: "http://localhost/v1", apiKey: "k", timeout: 1000 });
export async function main(signal: AbortSignal): Promise<string> {
  const stream = tg.chat.stream({ model: "qwq-32b", messages: [{ role: "user", content: "9.9 or 9.11?" }] }, { signal });
  let answer = "";
  for await (const ev of stream as AsyncIterable<ChatEvent>) {
    if (ev.type === "reasoning") answer += "";
    else if (ev.type === "content") answer += ev.delta;
    else if (ev.type === "tool_call") answer += ev.name;
  }
  const { usage, finishReason } = await stream.final();
  try { await tg.models.list(); } catch (e) { if (e instanceof RateLimitError) return String(e.retryAfter); }
  return answer + (usage?.total_tokens ?? 0) + (finishReason ?? "");
}
`;
    await writeFile(join(project, "example.mts"), example);
    await writeFile(join(project, "example.cts"), example);
    await writeFile(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2022",
          lib: ["ES2023", "DOM"],
          types: [],
          skipLibCheck: false,
        },
        files: ["example.mts", "example.cts"],
      }),
    );
    const tsc = require.resolve("typescript/bin/tsc");
    const out = await run("node", [tsc, "-p", project], { cwd: project });
    expect(out.stdout + out.stderr).toBe("");
    expect(out.code).toBe(0);
  });
});
