import { connect } from "node:net";
import { emuPrompt } from "@thinkgate/emulator";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type RunningServer, startServer } from "../../../../apps/node/src/server.js";
import { parseConfig } from "../../src/index.js";
import { createMemoryStore } from "../../src/store/memory.js";
import { createTenancy, type TenancyHandle } from "../../src/tenancy/index.js";
import {
  KEY,
  KEY_ID,
  leasesHeld,
  type NodeGateway,
  startNodeGateway,
  TENANT,
} from "./node-gateway.js";

// Found here: a client that left after the upstream had answered but before the Node server
// began writing the response was never noticed. @hono/node-server listens for the connection's
// close only once it writes, and its writes to a closed connection wait for a drain that never
// comes, so the stream was neither read nor cancelled: the upstream stayed open, the
// concurrency lease stayed held (renewed for as long as the process lived), and the request was
// never logged. The client's abort signal now ends the stream.

let server: RunningServer | undefined;
let tenancy: TenancyHandle | undefined;
let gw: NodeGateway | undefined;
afterEach(async () => {
  await server?.close();
  await tenancy?.close();
  await gw?.close();
});

describe("a client gone before the response is written", () => {
  it("ends the stream: upstream cancelled, lease released, request logged", async () => {
    const config = parseConfig(
      {
        // A long idle timeout: only the client's leaving can end this stream in time.
        backends: {
          up: { type: "openai-compatible", baseUrl: "http://up.test/v1", idleTimeoutMs: 60_000 },
        },
        models: { qwq: { targets: [{ backend: "up", model: "m" }] } },
        keys: [{ id: KEY_ID, key: KEY, tenant: TENANT, limits: { concurrency: 2 } }],
      },
      {},
    );
    const store = createMemoryStore();
    tenancy = await createTenancy({ store, configKeys: config.keys, log: () => {} });

    // An upstream that answers only once the client has left (the race, made certain), then
    // streams forever.
    let upstreamCalled!: () => void;
    const called = new Promise<void>((resolve) => {
      upstreamCalled = resolve;
    });
    let clientLeft!: () => void;
    const left = new Promise<void>((resolve) => {
      clientLeft = resolve;
    });
    let upstreamCancelled = false;
    const fetchFn = (async () => {
      upstreamCalled();
      await left;
      const chunk = (n: number) =>
        `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: `t${n} ` }, finish_reason: null }] })}\n\n`;
      let n = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          controller.enqueue(new TextEncoder().encode(chunk(n++)));
        },
        cancel() {
          upstreamCancelled = true;
        },
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    }) as typeof fetch;

    const logs: Array<Record<string, unknown>> = [];
    server = await startServer({
      config,
      tenancy,
      fetch: fetchFn,
      port: 0,
      host: "127.0.0.1",
      log: (l) => logs.push(l),
    });
    const url = new URL(server.url);
    const socket = connect(Number(url.port), url.hostname);
    const body = JSON.stringify({
      model: "qwq",
      stream: true,
      messages: [{ role: "user", content: "x" }],
    });
    socket.write(
      [
        "POST /v1/chat/completions HTTP/1.1",
        "Host: 127.0.0.1",
        `Authorization: Bearer ${KEY}`,
        "Content-Type: application/json",
        `Content-Length: ${Buffer.byteLength(body)}`,
        "X-Request-Id: gone-early",
        "",
        body,
      ].join("\r\n"),
    );
    await called;
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    clientLeft();

    await vi.waitFor(() => expect(logs).toHaveLength(1), { timeout: 10_000 });
    expect(logs[0]).toMatchObject({
      clientRequestId: "gone-early",
      status: 200,
      outcome: "aborted",
    });
    expect(upstreamCancelled).toBe(true);
    expect(await leasesHeld(store)).toBe(0);
  });

  it("stops waiting out an upstream's Retry-After when the client leaves: no second attempt", async () => {
    gw = await startNodeGateway({ routing: { retry: { maxAttempts: 3, maxRetryAfterMs: 5000 } } });
    const controller = new AbortController();
    const request = fetch(`${gw.server.url}/v1/chat/completions`, {
      method: "POST",
      signal: controller.signal,
      headers: {
        authorization: `Bearer ${KEY}`,
        "content-type": "application/json",
        "x-request-id": "left-during-retry-after",
      },
      body: JSON.stringify({
        model: "qwq",
        stream: true,
        // 429 with Retry-After: 2 s, which the gateway waits out before trying again.
        messages: [{ role: "user", content: emuPrompt({ status: 429, retryAfter: 2 }) }],
      }),
    });
    // The client leaves once the 429 has been answered: the gateway is waiting out Retry-After.
    const emulator = gw.emulator;
    await vi.waitFor(() => expect(emulator.requests).toHaveLength(1), { timeout: 10_000 });
    await emulator.requests[0]?.done;
    controller.abort();
    await expect(request).rejects.toThrow(/abort/i);
    const logs = gw.logs;
    await vi.waitFor(() => expect(logs).toHaveLength(1), { timeout: 10_000 });
    expect(logs[0]).toMatchObject({ status: 499, errorCode: "client_closed_request", attempts: 1 });
    expect(await leasesHeld(gw.store)).toBe(0);
    // Well past the Retry-After: still only the one upstream request.
    await new Promise((resolve) => setTimeout(resolve, 2300));
    expect(gw.emulator.requests).toHaveLength(1);
  });
});
