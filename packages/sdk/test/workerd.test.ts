// The built package inside workerd (the Cloudflare Workers runtime, through Miniflare): a worker
// imports dist/index.js and streams from the emulator, and its route re-streams NDJSON.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  DEFAULT_CONTENT,
  DEFAULT_REASONING,
  type Emulator,
  startEmulator,
} from "@thinkgate/emulator";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ChatStream } from "../src/index.js";

const worker = `
import { Thinkgate, ThinkgateError } from "./thinkgate.js";

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const dialect = url.searchParams.get("dialect");
    const tg = new Thinkgate({
      baseURL: env.EMU_URL + "/" + dialect + "/v1",
      apiKey: "k",
      reasoning: dialect === "vllm-raw" ? "think-open" : "auto",
    });
    const params = { model: "qwq-32b", messages: [{ role: "user", content: "hi" }] };
    if (url.pathname === "/final") {
      const stream = tg.chat.stream(params);
      const kinds = [];
      for await (const ev of stream) if (kinds.at(-1) !== ev.type) kinds.push(ev.type);
      const { reasoning, content, finishReason } = await stream.final();
      return Response.json({ kinds, reasoning, content, finishReason });
    }
    if (url.pathname === "/ndjson") {
      const stream = tg.chat.stream(params, { signal: request.signal });
      return new Response(stream.toReadableStream(), { headers: { "content-type": "application/x-ndjson" } });
    }
    if (url.pathname === "/error") {
      try {
        await new Thinkgate({ baseURL: env.EMU_URL + "/nowhere/v1", maxRetries: 0 }).models.list();
        return new Response("no error");
      } catch (e) {
        return Response.json({ isThinkgateError: e instanceof ThinkgateError, name: e.name, status: e.status });
      }
    }
    return new Response("not found", { status: 404 });
  },
};
`;

let emu: Emulator;
let mf: Miniflare;
beforeAll(async () => {
  emu = await startEmulator();
  const sdk = await readFile(join(inject("packageDir"), "dist/index.js"), "utf8");
  mf = new Miniflare({
    modules: [
      { type: "ESModule", path: "/worker/index.js", contents: worker },
      { type: "ESModule", path: "/worker/thinkgate.js", contents: sdk },
    ],
    modulesRoot: "/worker",
    compatibilityDate: "2025-09-01",
    bindings: { EMU_URL: emu.url },
  });
  await mf.ready;
});
afterAll(async () => {
  await mf?.dispose();
  await emu?.close();
});

describe("inside workerd", () => {
  it.each(["dashscope/compatible-mode", "vllm", "vllm-raw", "ollama"])(
    "streams reasoning and content from %s",
    async (dialect) => {
      const res = await mf.dispatchFetch(`http://worker/final?dialect=${dialect}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        kinds: ["reasoning", "content", "usage", "done"],
        reasoning: DEFAULT_REASONING,
        content: DEFAULT_CONTENT,
        finishReason: "stop",
      });
    },
  );

  it("re-streams events as NDJSON that ChatStream.fromReadableStream rebuilds", async () => {
    const res = await mf.dispatchFetch("http://worker/ndjson?dialect=sglang");
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    const stream = ChatStream.fromReadableStream(res.body as ReadableStream<Uint8Array>);
    const reasoning: string[] = [];
    for await (const text of stream.reasoning) reasoning.push(text);
    expect(reasoning.length).toBeGreaterThan(1);
    expect(reasoning.join("")).toBe(DEFAULT_REASONING);
    expect((await stream.final()).content).toBe(DEFAULT_CONTENT);
  });

  it("throws the SDK's typed errors there too", async () => {
    const res = await mf.dispatchFetch("http://worker/error?dialect=vllm");
    expect(await res.json()).toEqual({
      isThinkgateError: true,
      name: "NotFoundError",
      status: 404,
    });
  });
});
