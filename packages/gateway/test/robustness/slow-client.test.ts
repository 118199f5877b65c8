import { connect, type Socket } from "node:net";
import { emuPrompt } from "@thinkgate/emulator";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { KEY, leasesHeld, type NodeGateway, startNodeGateway } from "./node-gateway.js";

// Slow-loris clients against the Node server: headers that never end, a body that stalls or
// trickles, a client that leaves mid-body. None may hold a connection for long, reach the
// upstream, keep a limiter slot, or be logged as the gateway's own failure. A response that
// streams for longer than the request timeout is not cut: the timeout is on receiving.

// The request timeout is ten times the trickling client's ~150 ms, so that a loaded machine's
// pauses do not make that client late.
const REQUEST_TIMEOUT_MS = 2000;
const HEADERS_TIMEOUT_MS = 300;
/** A hang detector, not a performance bound. */
const CLOSED_WITHIN_MS = 15_000;
/** Every wait for a log line: it is written as the request ends, however slowly that runs. */
const LOGGED_WITHIN = { timeout: 10_000 };

let gw: NodeGateway;
beforeAll(async () => {
  gw = await startNodeGateway({
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    headersTimeoutMs: HEADERS_TIMEOUT_MS,
    // Nothing here is about upstream timeouts: far from any pause of a loaded machine.
    idleTimeoutMs: 10_000,
    firstByteTimeoutMs: 10_000,
  });
});
afterAll(() => gw?.close());

interface RawClient {
  socket: Socket;
  /** Everything the server sent, once it closed the connection (or CLOSED_WITHIN_MS passed). */
  closed: Promise<{ text: string; closedByServer: boolean }>;
}

function rawClient(): Promise<RawClient> {
  const url = new URL(gw.server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      let text = "";
      socket.on("data", (d) => {
        text += d.toString("utf8");
      });
      const closed = new Promise<{ text: string; closedByServer: boolean }>((done) => {
        const timer = setTimeout(() => {
          socket.destroy();
          done({ text, closedByServer: false });
        }, CLOSED_WITHIN_MS);
        socket.on("close", () => {
          clearTimeout(timer);
          done({ text, closedByServer: true });
        });
      });
      resolve({ socket, closed });
    });
    socket.on("error", reject);
  });
}

const body = (stream = false) =>
  JSON.stringify({
    model: "qwq",
    stream,
    messages: [{ role: "user", content: emuPrompt({ chunks: 4 }) }],
  });

function head(contentLength: number, requestId: string): string {
  return [
    "POST /v1/chat/completions HTTP/1.1",
    "Host: 127.0.0.1",
    `Authorization: Bearer ${KEY}`,
    "Content-Type: application/json",
    `Content-Length: ${contentLength}`,
    `X-Request-Id: ${requestId}`,
    "",
    "",
  ].join("\r\n");
}

// The gateway names each request itself (the client's id is logged as clientRequestId) and
// sends its own id upstream: find it through the log line first.
const upstreamSaw = (clientRequestId: string) => {
  const line = gw.logs.find((l) => l.clientRequestId === clientRequestId);
  if (!line) throw new Error(`no log line for ${clientRequestId}`);
  return gw.emulator.requests.filter((r) => r.headers["x-request-id"] === line.requestId).length;
};

describe("slow and stalled clients on the Node server", () => {
  it("cuts off a body that stalls: 408, the connection closed, nothing sent upstream", async () => {
    const c = await rawClient();
    const text = body();
    c.socket.write(head(Buffer.byteLength(text), "stalled-body") + text.slice(0, 20));
    const { text: answer, closedByServer } = await c.closed;
    expect(closedByServer).toBe(true);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    // The request reached the gateway (its headers did): logged once, and not as a 500.
    await vi.waitFor(
      () => expect(gw.logs.filter((l) => l.clientRequestId === "stalled-body")).toHaveLength(1),
      LOGGED_WITHIN,
    );
    expect(upstreamSaw("stalled-body")).toBe(0);
    const line = gw.logs.find((l) => l.clientRequestId === "stalled-body");
    // The client's doing (it left, or was cut off waiting), not a 500 of the gateway's.
    expect(line).toMatchObject({ status: 499, errorCode: "client_closed_request" });
    expect(await leasesHeld(gw.store)).toBe(0);
  });

  it("closes a connection whose headers never end", async () => {
    const c = await rawClient();
    c.socket.write("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    const timer = setInterval(() => c.socket.write("a"), 50);
    const { text, closedByServer } = await c.closed;
    clearInterval(timer);
    expect(closedByServer).toBe(true);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("serves a body that trickles in within the limit", async () => {
    const c = await rawClient();
    const text = body();
    // "Connection: close" and no half-close of ours: Node takes a client's FIN for a client
    // gone (and so does the gateway, which then stops the upstream), so ending our side early
    // would race the answer. The server closes once it has answered.
    c.socket.write(
      head(Buffer.byteLength(text), "trickle").replace(
        /\r\n\r\n$/,
        "\r\nConnection: close\r\n\r\n",
      ),
    );
    for (let i = 0; i < text.length; i += Math.ceil(text.length / 5)) {
      c.socket.write(text.slice(i, i + Math.ceil(text.length / 5)));
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    const { text: answer } = await c.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain('"finish_reason":"stop"');
  });

  it("does not cut a response that streams for longer than the request timeout", async () => {
    const res = await fetch(`${gw.server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "qwq",
        stream: true,
        // 16 pieces 200 ms apart: 3.2 s on the emulator's schedule, past the request timeout.
        messages: [{ role: "user", content: emuPrompt({ chunks: 8, chunkDelayMs: 200 }) }],
      }),
    });
    expect(res.status).toBe(200);
    const started = performance.now();
    const text = await res.text();
    // It did outlive the request timeout, and still ended properly.
    expect(performance.now() - started).toBeGreaterThan(REQUEST_TIMEOUT_MS);
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
  });

  it.each([
    ["with a content-length", "left-mid-body"],
    ["chunked", "left-mid-chunks"],
  ])(
    "logs a client that leaves mid-body (%s) as its own doing, nothing sent upstream",
    async (_, id) => {
      const c = await rawClient();
      const text = body();
      const chunked = id === "left-mid-chunks";
      const start = chunked
        ? head(0, id).replace("Content-Length: 0", "Transfer-Encoding: chunked") +
          `1e\r\n${text.slice(0, 30)}\r\n`
        : head(Buffer.byteLength(text), id) + text.slice(0, 30);
      c.socket.write(start);
      await new Promise((resolve) => setTimeout(resolve, 50));
      c.socket.destroy();
      await vi.waitFor(
        () => expect(gw.logs.filter((l) => l.clientRequestId === id)).toHaveLength(1),
        LOGGED_WITHIN,
      );
      const line = gw.logs.find((l) => l.clientRequestId === id);
      // The client's doing, not a 500 of the gateway's.
      expect(line).toMatchObject({ status: 499, errorCode: "client_closed_request" });
      expect(upstreamSaw(id)).toBe(0);
      expect(await leasesHeld(gw.store)).toBe(0);
    },
  );
  it("survives malformed HTTP: bad chunked framing mid-body, oversized headers, garbage", async () => {
    // Chunked framing that breaks after the gateway has started reading the body.
    const chunked = await rawClient();
    chunked.socket.write(
      [
        "POST /v1/chat/completions HTTP/1.1",
        "Host: 127.0.0.1",
        `Authorization: Bearer ${KEY}`,
        "Content-Type: application/json",
        "Transfer-Encoding: chunked",
        "X-Request-Id: bad-chunks",
        "",
        "5",
        '{"mod',
        "zz-not-a-size",
        "",
      ].join("\r\n"),
    );
    const broken = await chunked.closed;
    expect(broken.closedByServer).toBe(true);
    expect(broken.text).toMatch(/^HTTP\/1\.1 400 /);
    await vi.waitFor(
      () => expect(gw.logs.filter((l) => l.clientRequestId === "bad-chunks")).toHaveLength(1),
      LOGGED_WITHIN,
    );
    const line = gw.logs.find((l) => l.clientRequestId === "bad-chunks");
    // Node answers the framing error itself (the 400 above) and closes the connection. Which of
    // two things the gateway sees first is a race inside Node: the bytes that arrived before the
    // framing broke (then the body is judged: not JSON, a 400), or the connection closing under
    // an unfinished body (a client gone, 499). Either way: one log line, nothing sent upstream.
    expect([
      { status: 400, errorCode: "invalid_json" },
      { status: 499, errorCode: "client_closed_request" },
    ]).toContainEqual({ status: line?.status, errorCode: line?.errorCode });
    expect(upstreamSaw("bad-chunks")).toBe(0);

    // Headers past Node's limit, and bytes that are not HTTP at all.
    for (const junk of [
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(64 * 1024)}\r\n\r\n`,
      "\u0000\u0001\u0002 not http at all\r\n\r\n",
    ]) {
      const c = await rawClient();
      c.socket.write(junk);
      const { text, closedByServer } = await c.closed;
      expect(closedByServer).toBe(true);
      expect(text).toMatch(/^HTTP\/1\.1 4\d\d /);
    }

    // The server is still there, and its limits are intact.
    const health = await fetch(`${gw.server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await leasesHeld(gw.store)).toBe(0);
  });
});
