// core's test vectors (what real servers send, byte for byte) served over HTTP to the SDK:
// normalizing on the client side, the SDK's final() must mean what each vector says.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ReasoningMode, Thinkgate, ThinkgateError } from "../src/index.js";
import { type LocalServer, serve } from "./local-server.js";

interface Expectation {
  reasoning?: string | null;
  content?: string | null;
  toolCalls?: Array<{ name: string; arguments: string }>;
  finish?: string | null;
  usage?: unknown;
  error?: { type: string; code: string | null } | null;
}
interface Vector {
  name: string;
  mode?: ReasoningMode;
  tools?: boolean;
  chunks?: unknown[];
  sse?: string;
  end?: "done" | "eof";
  expect: Expectation & { choices?: Expectation[] };
}

const dir = resolve(import.meta.dirname, "../../core/test/vectors");
// history.json is about request messages, not streams.
const files = readdirSync(dir).filter((f) => f.endsWith(".json") && f !== "history.json");
const vectors = files.flatMap((file) =>
  (JSON.parse(readFileSync(join(dir, file), "utf8")) as { vectors: Vector[] }).vectors.map(
    (v) => [`${file.replace(".json", "")}: ${v.name}`, v] as const,
  ),
);

function sseText(v: Vector): string {
  if (v.sse !== undefined) return v.sse;
  let text = "";
  for (const c of v.chunks ?? []) text += `data: ${JSON.stringify(c)}\n\n`;
  if (v.end === "done") text += "data: [DONE]\n\n";
  return text;
}

let server: LocalServer;
let current: Vector;
beforeAll(async () => {
  server = await serve((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    // Written in small pieces, cutting through lines, tags and multi-byte characters.
    const bytes = Buffer.from(sseText(current), "utf8");
    for (let i = 0; i < bytes.length; i += 5) res.write(bytes.subarray(i, i + 5));
    res.end();
  });
});
afterAll(async () => {
  await server.close();
});

describe("core's vectors, through the SDK", () => {
  it("has vectors to check", () => {
    expect(vectors.length).toBeGreaterThanOrEqual(50);
  });

  it.each(vectors)("%s", async (_name, v) => {
    current = v;
    const tg = new Thinkgate({ baseURL: server.url, maxRetries: 0, reasoning: v.mode ?? "auto" });
    const tools = v.tools
      ? [{ type: "function" as const, function: { name: "any", parameters: {} } }]
      : undefined;
    const settled = await tg.chat
      .create({
        model: "m",
        messages: [{ role: "user", content: "hi" }],
        ...(tools ? { tools } : {}),
      })
      .then(
        (result) => ({ result, error: null }),
        (error: unknown) => ({ result: null, error }),
      );
    const want = v.expect.choices?.[0] ?? v.expect;
    if (v.expect.error) {
      expect(settled.error).toBeInstanceOf(ThinkgateError);
      expect(settled.error).toMatchObject(v.expect.error);
      return;
    }
    expect(settled.error).toBeNull();
    expect(settled.result).toEqual({
      reasoning: want.reasoning ?? "",
      content: want.content ?? "",
      toolCalls: (want.toolCalls ?? []).map((call) => ({
        id: expect.any(String),
        type: "function",
        function: { name: call.name, arguments: call.arguments },
      })),
      usage: v.expect.usage ?? null,
      finishReason: want.finish ?? null,
    });
  });
});
