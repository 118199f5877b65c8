import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeTransport } from "../src/node/index.js";
import type { UpstreamResponse } from "../src/upstream/transport.js";

// A small server whose behaviour each path chooses, to hold the Node transport to what the
// gateway needs of fetch: status and headers as sent, bytes as they arrive, redirects not
// followed, and a cancelled or aborted body that closes the connection.
let server: Server;
let base = "";
const closedEarly: string[] = [];
const seen: Array<{ path: string; headers: IncomingMessage["headers"]; body: string }> = [];

function handle(req: IncomingMessage, res: ServerResponse) {
  let body = "";
  req.on("data", (c) => {
    body += c;
  });
  req.on("end", () => {
    const path = req.url ?? "";
    seen.push({ path, headers: req.headers, body });
    res.on("close", () => {
      if (!res.writableFinished) closedEarly.push(path);
    });
    if (path === "/redirect") {
      res.writeHead(307, { location: "http://169.254.169.254/steal" }).end();
    } else if (path === "/error") {
      res.writeHead(503, { "retry-after": "7", "content-type": "application/json" });
      res.end('{"error":{"message":"busy"}}');
    } else if (path === "/endless") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: 1\n\n");
      const t = setInterval(() => res.write("data: more\n\n"), 10);
      res.on("close", () => clearInterval(t));
    } else {
      res.writeHead(200, { "content-type": "text/event-stream", "x-multi": ["a", "b"] });
      res.write("data: one\n\n");
      setTimeout(() => res.end("data: two\n\n"), 20);
    }
  });
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const transport = nodeTransport();
afterAll(() => transport.close());

const post = (path: string, signal = new AbortController().signal) =>
  transport.fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-x" },
    body: '{"q":1}',
    signal,
    redirect: "error",
  });

async function readAll(res: UpstreamResponse): Promise<string[]> {
  const reader = res.body!.getReader();
  const out: string[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(Buffer.from(value).toString());
  }
}

describe("nodeTransport (upstream calls on undici's dispatcher)", () => {
  it("sends the request as given and reads the body to its end, chunk by chunk", async () => {
    const res = await post("/stream?x=1");
    expect(res.ok).toBe(true);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/event-stream");
    expect(res.headers.get("x-multi")).toBe("a, b");
    expect(res.headers.get("absent")).toBeNull();
    expect((await readAll(res)).join("")).toBe("data: one\n\ndata: two\n\n");
    const req = seen.find((s) => s.path === "/stream?x=1");
    expect(req?.body).toBe('{"q":1}');
    expect(req?.headers.authorization).toBe("Bearer sk-x");
  });

  it("hands a 3xx back as a failed status and never follows it", async () => {
    const before = seen.length;
    const res = await post("/redirect");
    expect(res.ok).toBe(false);
    expect(res.status).toBe(307);
    expect(res.headers.get("location")).toBe("http://169.254.169.254/steal");
    await readAll(res);
    expect(seen.length).toBe(before + 1);
  });

  it("gives an error status with its body and headers", async () => {
    const res = await post("/error");
    expect(res.ok).toBe(false);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("7");
    expect((await readAll(res)).join("")).toContain("busy");
  });

  it("closes the connection when the body is cancelled mid-stream", async () => {
    const res = await post("/endless");
    const reader = res.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    await reader.cancel();
    await expect(reader.read()).rejects.toThrow();
    await expect.poll(() => closedEarly.includes("/endless")).toBe(true);
  });

  it("fails the pending read and closes the connection when the signal aborts", async () => {
    const controller = new AbortController();
    const res = await post("/endless?abort", controller.signal);
    const reader = res.body!.getReader();
    await reader.read();
    const pending = (async () => {
      for (;;) await reader.read();
    })();
    controller.abort();
    await expect(pending).rejects.toThrow();
    await expect.poll(() => closedEarly.includes("/endless?abort")).toBe(true);
  });

  it("rejects when nothing listens, and when aborted before an answer", async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, "127.0.0.1", resolve));
    const port = (dead.address() as AddressInfo).port;
    await new Promise((resolve) => dead.close(resolve));
    await expect(
      transport.fetch(`http://127.0.0.1:${port}/v1`, {
        method: "POST",
        headers: {},
        body: "{}",
        signal: new AbortController().signal,
        redirect: "error",
      }),
    ).rejects.toThrow();
    await expect(post("/stream", AbortSignal.abort())).rejects.toThrow();
  });
});
