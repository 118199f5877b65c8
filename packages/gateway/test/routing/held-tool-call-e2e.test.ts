import { describe, expect, it } from "vitest";
import { startGateway } from "./gateway-harness.js";

// A backend without a tool parser (QwQ on plain vLLM) writes tool calls as Hermes text, which
// the gateway holds until `</tool_call>` to turn it into `tool_calls`. A long call streamed at
// a steady pace is a healthy stream: neither the first-byte hold nor the idle timer may cut it
// for producing no events while it is held. Keep-alive comments alone stay silence.

const idleMs = 300;
const paceMs = 20;
// Longer in all than both timeouts, with a gap between chunks far below them.
const pieces = Math.ceil((idleMs * 4) / paceMs);

const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

/** An upstream that writes `parts` one every `paceMs`, then ends. */
function paced(parts: string[]) {
  return (async (_url: string, init?: RequestInit) => {
    const encoder = new TextEncoder();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        let i = 0;
        const next = () => {
          if (i === parts.length) return controller.close();
          controller.enqueue(encoder.encode(parts[i++]!));
          timer = setTimeout(next, paceMs);
        };
        next();
      },
      cancel() {
        clearTimeout(timer);
      },
    });
    init?.signal?.addEventListener("abort", () => clearTimeout(timer));
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  }) as unknown as typeof fetch;
}

function hermesCall(before = ""): string[] {
  const args = "x".repeat(pieces * 10);
  const text = `<tool_call>\n{"name": "write_file", "arguments": {"content": "${args}"}}\n</tool_call>`;
  const size = Math.ceil(text.length / pieces);
  const parts = [chunk({ role: "assistant", content: before })];
  for (let i = 0; i < text.length; i += size)
    parts.push(chunk({ content: text.slice(i, i + size) }));
  parts.push(chunk({}, "stop"), "data: [DONE]\n\n");
  return parts;
}

function gateway(fetchFn: typeof fetch) {
  return startGateway(
    {
      backends: {
        gpu: {
          type: "openai-compatible",
          baseUrl: "http://gpu.test/v1",
          firstByteTimeoutMs: idleMs,
          idleTimeoutMs: idleMs,
        },
      },
      models: { m: { targets: [{ backend: "gpu", model: "m" }] } },
      routing: { retry: { maxAttempts: 1 } },
    },
    { fetch: fetchFn },
  );
}

const tools = [
  {
    type: "function" as const,
    function: { name: "write_file", parameters: { type: "object", properties: {} } },
  },
];

describe("a long Hermes tool call held by the gateway", () => {
  it("is not cut when it opens the answer and takes longer than both timeouts", async () => {
    const gw = gateway(paced(hermesCall()));
    const started = performance.now();
    const res = await gw.post({
      model: "m",
      stream: true,
      tools,
      messages: [{ role: "user", content: "write it" }],
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    // The stream really outlived both timeouts; it was alive all along.
    expect(performance.now() - started).toBeGreaterThan(idleMs * 2);
    expect(text).not.toContain("upstream_idle_timeout");
    expect(text).toContain('"name":"write_file"');
    expect(text).toContain("data: [DONE]");
  });

  it("is not cut by the idle timer when it follows some text and takes longer than it", async () => {
    const gw = gateway(paced(hermesCall("Writing the file now.")));
    const res = await gw.post({
      model: "m",
      stream: true,
      tools,
      messages: [{ role: "user", content: "write it" }],
    });
    const text = await res.text();
    expect(text).toContain("Writing the file now.");
    expect(text).not.toContain("upstream_idle_timeout");
    expect(text).toContain('"name":"write_file"');
  });

  it("without streaming, comes back whole as tool_calls", async () => {
    const gw = gateway(paced(hermesCall()));
    const res = await gw.post({
      model: "m",
      tools,
      messages: [{ role: "user", content: "write it" }],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      choices: Array<{ message: { tool_calls?: Array<{ function: { arguments: string } }> } }>;
    };
    const args = body.choices[0]?.message.tool_calls?.[0]?.function.arguments ?? "";
    expect(args.length).toBeGreaterThan(pieces * 10);
  });

  it("keep-alive comments alone are still silence: the idle timer ends such a stream", async () => {
    const parts = [chunk({ role: "assistant", content: "Hi" })];
    for (let i = 0; i < pieces; i++) parts.push(": keep-alive\n\n");
    const gw = gateway(paced(parts));
    const res = await gw.post({
      model: "m",
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("upstream_idle_timeout");
  });
});
