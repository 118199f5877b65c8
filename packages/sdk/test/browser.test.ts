// The built package inside headless Chromium (the npm package @sparticuz/chromium, see chromium.ts,
// driven by playwright-core). A local server serves the page and dist/index.js, proxies /emu/* to
// the emulator, and has an /api/chat route that re-streams a chat as NDJSON, as an app server would.
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  DEFAULT_CONTENT,
  DEFAULT_REASONING,
  type Emulator,
  startEmulator,
} from "@thinkgate/emulator";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Thinkgate } from "../src/index.js";
import { chromiumExecutable } from "./chromium.js";

const page = `<!doctype html>
<meta charset="utf-8">
<title>thinkgate in a browser</title>
<pre id="thinking"></pre><pre id="answer"></pre>
<script type="module">
  import { Thinkgate, ChatStream, NotFoundError } from "/thinkgate.js";

  window.direct = async (dialect) => {
    const tg = new Thinkgate({ baseURL: location.origin + "/emu/" + dialect + "/v1", apiKey: "k" });
    const stream = tg.chat.stream({ model: "qwq-32b", messages: [{ role: "user", content: "hi" }] });
    const kinds = [];
    for await (const ev of stream) {
      if (kinds.at(-1) !== ev.type) kinds.push(ev.type);
      if (ev.type === "reasoning") document.getElementById("thinking").textContent += ev.delta;
      if (ev.type === "content") document.getElementById("answer").textContent += ev.delta;
    }
    const { reasoning, content, finishReason } = await stream.final();
    return { kinds, reasoning, content, finishReason };
  };

  window.viaRoute = async () => {
    const response = await fetch("/api/chat", { method: "POST" });
    const stream = ChatStream.fromReadableStream(response.body);
    let reasoning = "", content = "";
    for await (const text of stream.reasoning) reasoning += text;
    for await (const text of stream.content) content += text;
    return { reasoning, content, usage: (await stream.final()).usage !== null };
  };

  window.failure = async () => {
    try {
      await new Thinkgate({ baseURL: location.origin + "/emu/nowhere/v1", maxRetries: 0 }).models.list();
    } catch (e) {
      return { notFound: e instanceof NotFoundError, status: e.status };
    }
  };
  window.ready = true;
</script>`;

let emu: Emulator;
let server: Server;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  emu = await startEmulator();
  const sdk = await readFile(join(inject("packageDir"), "dist/index.js"), "utf8");
  const tg = new Thinkgate({ baseURL: `${emu.url}/vllm/v1` });
  server = createServer(async (req, res) => {
    const url = req.url ?? "/";
    if (url === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
    } else if (url === "/thinkgate.js") {
      res.writeHead(200, { "content-type": "text/javascript" }).end(sdk);
    } else if (url === "/api/chat") {
      const stream = tg.chat.stream({ model: "m", messages: [{ role: "user", content: "hi" }] });
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      Readable.fromWeb(stream.toReadableStream() as import("node:stream/web").ReadableStream).pipe(
        res,
      );
    } else if (url.startsWith("/emu/")) {
      const body = await new Promise<Buffer>((resolve) => {
        const parts: Buffer[] = [];
        req.on("data", (p: Buffer) => parts.push(p)).on("end", () => resolve(Buffer.concat(parts)));
      });
      const upstream = await fetch(emu.url + url.slice(4), {
        method: req.method ?? "GET",
        headers: {
          "content-type": "application/json",
          authorization: req.headers.authorization ?? "",
        },
        body: req.method === "POST" ? body.toString("utf8") : undefined,
      });
      res.writeHead(upstream.status, {
        "content-type": upstream.headers.get("content-type") ?? "",
      });
      if (upstream.body)
        Readable.fromWeb(upstream.body as import("node:stream/web").ReadableStream).pipe(res);
      else res.end();
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: await chromiumExecutable(),
    args: [
      "--no-sandbox",
      "--headless",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await emu?.close();
});

async function openPage() {
  const tab = await browser.newPage();
  const errors: string[] = [];
  tab.on("pageerror", (e) => errors.push(e.message));
  await tab.goto(origin);
  await tab.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
  return { tab, errors };
}

describe("inside Chromium", () => {
  it.each(["dashscope/compatible-mode", "vllm", "llamacpp"])(
    "streams reasoning and content from %s into the page",
    async (dialect) => {
      const { tab, errors } = await openPage();
      const result = await tab.evaluate(
        (d) => (window as never as { direct(d: string): unknown }).direct(d),
        dialect,
      );
      expect(result).toEqual({
        kinds: ["reasoning", "content", "usage", "done"],
        reasoning: DEFAULT_REASONING,
        content: DEFAULT_CONTENT,
        finishReason: "stop",
      });
      expect(await tab.textContent("#thinking")).toBe(DEFAULT_REASONING);
      expect(await tab.textContent("#answer")).toBe(DEFAULT_CONTENT);
      expect(errors).toEqual([]);
      await tab.close();
    },
  );

  it("rebuilds a server route's NDJSON with ChatStream.fromReadableStream", async () => {
    const { tab } = await openPage();
    const result = await tab.evaluate(() =>
      (window as never as { viaRoute(): unknown }).viaRoute(),
    );
    expect(result).toEqual({ reasoning: DEFAULT_REASONING, content: DEFAULT_CONTENT, usage: true });
    await tab.close();
  });

  it("throws the SDK's typed errors in the page", async () => {
    const { tab } = await openPage();
    const result = await tab.evaluate(() => (window as never as { failure(): unknown }).failure());
    expect(result).toEqual({ notFound: true, status: 404 });
    await tab.close();
  });
});
