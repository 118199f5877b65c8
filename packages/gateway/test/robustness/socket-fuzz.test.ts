import { connect } from "node:net";
import { emuPrompt } from "@thinkgate/emulator";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEY, leasesHeld, type NodeGateway, startNodeGateway } from "./node-gateway.js";

// The same promise one layer down: arbitrary bytes on the Node server's socket (request lines,
// header blocks, framing, bodies, or none of those). Whatever arrives, the connection is answered
// or closed within a bound, never with a 500, and the server keeps serving with its limits
// intact.

/**
 * A request may legitimately ask to be kept alive (an HTTP/1.0 request with "Connection:
 * keep-alive", whatever else it says): the server then closes the answered connection once it
 * has been idle for its keep-alive timeout (Node's default, 5 s, which apps/node keeps). The
 * bound is that plus as much again for a loaded machine.
 */
const KEEP_ALIVE_TIMEOUT_MS = 5000;
const CLOSED_WITHIN_MS = 2 * KEEP_ALIVE_TIMEOUT_MS;

let gw: NodeGateway;
beforeAll(async () => {
  gw = await startNodeGateway({ requestTimeoutMs: 500, headersTimeoutMs: 300 });
});
afterAll(() => gw?.close());

/**
 * Writes the bytes and returns what came back once the server closed the connection (it does
 * after answering "Connection: close", when it gives up on what it was sent, or when a
 * kept-alive connection has been idle for its keep-alive timeout).
 */
function exchange(bytes: Uint8Array): Promise<{ text: string; closed: boolean }> {
  const url = new URL(gw.server.url);
  return new Promise((resolve) => {
    let text = "";
    const socket = connect(Number(url.port), url.hostname, () => socket.write(bytes));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, CLOSED_WITHIN_MS);
    socket.on("data", (d) => {
      text += d.toString("latin1");
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
  });
}

const enc = (s: string) => new TextEncoder().encode(s);
const token = fc.stringMatching(/^[!-~]{0,12}$/);
const often = <T>(usual: T, others: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: fc.constant(usual) }, others);

// Mostly well-framed requests (so that many reach the gateway), with one thing or another off.
const extraLine = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "Transfer-Encoding: chunked",
      "Content-Length: -1",
      "Content-Length: 99999999999999999999",
      "Connection: keep-alive",
      "Expect: 100-continue",
      "X-Request-Id: sock-fuzz",
      "Authorization: Basic Zm9vOmJhcg==",
      "Content-Type: text/plain",
    ),
  },
  fc.tuple(token, token).map(([k, v]) => `${k}: ${v}`),
  token,
);
const chatBody = fc.constantFrom(
  JSON.stringify({ model: "qwq", messages: [{ role: "user", content: emuPrompt({ chunks: 2 }) }] }),
  JSON.stringify({
    model: "qwq",
    stream: true,
    messages: [{ role: "user", content: emuPrompt({ chunks: 2 }) }],
  }),
  JSON.stringify({ model: "qwq", messages: [] }),
  '{"model":"qwq","messages":[{"role":"user","content":"hi"}',
  '5\r\n{"mod\r\n0\r\n\r\n',
  "",
);
const request = fc
  .record({
    method: often("POST", fc.constantFrom("GET", "PUT", "BREW", "")),
    path: often("/v1/chat/completions", fc.constantFrom("/v1/models", "/healthz", "*", "", "/%zz")),
    version: often("HTTP/1.1", fc.constantFrom("HTTP/1.0", "HTTP/2.0", "HTTP/1.1 extra", "")),
    eol: often("\r\n", fc.constantFrom("\n", "\r")),
    auth: often(`Authorization: Bearer ${KEY}`, fc.constantFrom("", "Authorization: Bearer nope")),
    body: fc.oneof({ weight: 3, arbitrary: chatBody }, fc.string({ maxLength: 64 })),
    length: often("exact", fc.constantFrom("short", "long", "none")),
    extra: often([] as string[], fc.array(extraLine, { minLength: 1, maxLength: 3 })),
  })
  .map((r) => {
    const size = enc(r.body).length;
    const length = {
      exact: `Content-Length: ${size}`,
      short: `Content-Length: ${Math.max(0, size - 3)}`,
      long: `Content-Length: ${size + 3}`,
      none: "",
    }[r.length];
    const head = [
      `${r.method} ${r.path} ${r.version}`.trim(),
      "Host: 127.0.0.1",
      r.auth,
      "Content-Type: application/json",
      "Connection: close",
      length,
      ...r.extra,
    ].filter((l) => l !== "");
    return enc(`${head.join(r.eol)}${r.eol}${r.eol}${r.body}`);
  });
const bytes = fc.oneof({ weight: 3, arbitrary: request }, fc.uint8Array({ maxLength: 512 }));

describe("arbitrary bytes on the Node server's socket", () => {
  it("are answered or closed in time, never with a 500, and the server keeps serving", async () => {
    await fc.assert(
      fc.asyncProperty(bytes, async (b) => {
        const { text, closed } = await exchange(b);
        expect(closed, JSON.stringify(new TextDecoder().decode(b)).slice(0, 300)).toBe(true);
        for (const status of text.matchAll(/^HTTP\/1\.[01] (\d{3})/gm)) {
          expect(Number(status[1])).not.toBe(500);
        }
      }),
      { numRuns: 120, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
    expect(gw.logs.filter((l) => l.status === 500)).toEqual([]);
    expect((await fetch(`${gw.server.url}/healthz`)).status).toBe(200);
    expect(await leasesHeld(gw.store)).toBe(0);
  }, 120_000);
});
