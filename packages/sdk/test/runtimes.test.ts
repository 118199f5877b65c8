// The built package, unchanged, on Deno and Bun (their official binaries from npm): streaming
// reasoning and content from the emulator, with the SDK's typed errors.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  DEFAULT_CONTENT,
  DEFAULT_REASONING,
  type Emulator,
  startEmulator,
} from "@thinkgate/emulator";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { run } from "./run.js";

const packageDir = inject("packageDir");
const bin = (name: string) => join(packageDir, "node_modules/.bin", name);

const program = (sdkUrl: string) => `
import { Thinkgate, ThinkgateError } from ${JSON.stringify(sdkUrl)};
const emu = globalThis.Deno ? Deno.env.get("EMU_URL") : process.env.EMU_URL;
const tg = new Thinkgate({ baseURL: emu + "/vllm-raw/v1", reasoning: "think-open" });
const stream = tg.chat.stream({ model: "m", messages: [{ role: "user", content: "hi" }] });
const kinds = [];
for await (const ev of stream) if (kinds.at(-1) !== ev.type) kinds.push(ev.type);
const { reasoning, content } = await stream.final();
let error = "";
try { await new Thinkgate({ baseURL: emu + "/nowhere/v1", maxRetries: 0 }).models.list(); }
catch (e) { error = e instanceof ThinkgateError ? e.name + " " + e.status : String(e); }
console.log(JSON.stringify({ kinds, reasoning, content, error }));
`;

const expected = {
  kinds: ["reasoning", "content", "usage", "done"],
  reasoning: DEFAULT_REASONING,
  content: DEFAULT_CONTENT,
  error: "NotFoundError 404",
};

let emu: Emulator;
let dir: string;
let script: string;
beforeAll(async () => {
  emu = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), "thinkgate-runtimes-"));
  script = join(dir, "stream.mjs");
  await writeFile(script, program(pathToFileURL(join(packageDir, "dist/index.js")).href));
});
afterAll(async () => {
  await emu?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("other runtimes", () => {
  it("runs on Bun", async () => {
    const out = await run(bin("bun"), [script], { cwd: dir, env: { EMU_URL: emu.url } });
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toEqual(expected);
  });

  it("runs on Deno, with network access to 127.0.0.1 only", async () => {
    const out = await run(
      bin("deno"),
      [
        "run",
        "--no-prompt",
        "--allow-env=EMU_URL",
        `--allow-read=${dir},${packageDir}`,
        "--allow-net=127.0.0.1",
        script,
      ],
      {
        cwd: dir,
        env: {
          EMU_URL: emu.url,
          DENO_NO_UPDATE_CHECK: "1",
          NO_COLOR: "1",
          DENO_DIR: join(dir, ".deno"),
        },
      },
    );
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toEqual(expected);
  });
});
