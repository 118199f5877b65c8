import { DEFAULT_CONTENT, DEFAULT_REASONING, emuPrompt } from "@thinkgate/emulator";
import { describe, expect, it } from "vitest";
import { faultPlan } from "./fault-plan.js";
import { backendsOn, seen, startGateway, useEmulator } from "./gateway-harness.js";

// The stretch: a stream that breaks mid-reasoning is continued on a backend that can continue
// an assistant message (here gpu-b, SGLang's continue_final_message), so the client sees one
// answer. The emulator does not really continue from the prefix (it answers its whole default
// answer again); these tests prove the mechanics: what the continuing backend is sent, that the
// client's stream has no break, and the bookkeeping.

const emu = useEmulator();
const models = {
  "qwq-32b": {
    targets: [
      { backend: "gpu-a", model: "Qwen/QwQ-32B" },
      { backend: "gpu-b", model: "Qwen/QwQ-32B" },
      { backend: "cloud", model: "qwq-32b" },
    ],
  },
};
const ask = { model: "qwq-32b", messages: [{ role: "user" as const, content: emuPrompt({}) }] };

function gateway(gpuB: Record<string, unknown>, plan: Parameters<typeof faultPlan>[0]) {
  return startGateway(
    { backends: backendsOn(emu.url, { "gpu-b": gpuB }), models },
    { fetch: faultPlan(plan) },
  );
}

/** The reasoning and content a client reads from the raw SSE text, and how it ended. */
function readSSE(text: string) {
  let reasoning = "";
  let content = "";
  let error = false;
  for (const line of text.split("\n")) {
    if (!line.startsWith("data: {")) continue;
    const data = JSON.parse(line.slice(6)) as {
      error?: unknown;
      choices?: Array<{ delta?: { reasoning_content?: string | null; content?: string | null } }>;
    };
    if (data.error) error = true;
    reasoning += data.choices?.[0]?.delta?.reasoning_content ?? "";
    content += data.choices?.[0]?.delta?.content ?? "";
  }
  return { reasoning, content, error, done: text.includes("data: [DONE]") };
}

describe("continuing a stream that broke mid-reasoning", () => {
  it("the next backend that can continue gets the reasoning so far as the assistant's beginning; the client sees no break", async () => {
    const gw = gateway(
      { continuation: "continue-final-message" },
      { [`${emu.url}/vllm/`]: () => ({ cut: 4 }) },
    );
    const before = emu.emulator.requests.length;
    const res = await gw.post({ ...ask, stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-thinkgate-backend")).toBe("gpu-a");
    const got = readSSE(await res.text());
    expect(got.error).toBe(false);
    expect(got.done).toBe(true);

    const [continued] = seen(emu.emulator, "sglang", before);
    const body = continued!.body as {
      messages: Array<{ role: string; content: string }>;
      continue_final_message?: boolean;
      add_generation_prompt?: boolean;
    };
    const prefix = body.messages.at(-1)!;
    expect(prefix.role).toBe("assistant");
    expect(prefix.content.startsWith("<think>\n")).toBe(true);
    const partial = prefix.content.slice("<think>\n".length);
    // What gpu-a sent before the cut: a real start of its reasoning, and what the client got.
    expect(partial.length).toBeGreaterThan(0);
    expect(DEFAULT_REASONING.startsWith(partial)).toBe(true);
    expect(got.reasoning).toBe(partial + DEFAULT_REASONING);
    expect(got.content).toBe(DEFAULT_CONTENT);
    expect(body.continue_final_message).toBe(true);
    expect(body.add_generation_prompt).toBe(false);
    expect(seen(emu.emulator, "dashscope", before)).toHaveLength(0);

    const line = await gw.line(res.headers.get("x-request-id"));
    expect(line).toMatchObject({ backend: "gpu-b", outcome: "done", attempts: 2 });
    expect(line.attemptLog).toMatchObject([
      { backend: "gpu-a", outcome: "served" },
      { backend: "gpu-b", outcome: "served" },
    ]);
  });

  it("the continuing backend may generate only what the request's output budget has left", async () => {
    const gw = gateway(
      { continuation: "continue-final-message" },
      { [`${emu.url}/vllm/`]: () => ({ cut: 4 }) },
    );
    const before = emu.emulator.requests.length;
    const res = await gw.post({ ...ask, stream: true, max_tokens: 500 });
    expect(res.status).toBe(200);
    await res.text();
    const [first] = seen(emu.emulator, "vllm", before);
    const [continued] = seen(emu.emulator, "sglang", before);
    expect((first!.body as { max_tokens?: number }).max_tokens).toBe(500);
    const line = await gw.line(res.headers.get("x-request-id"));
    // The first stream was charged what it generated before the cut; the continuation is told
    // the rest, so both together stay within the one budget the reservation was made for.
    const rest = (continued!.body as { max_tokens?: number }).max_tokens!;
    expect(rest).toBeGreaterThan(0);
    expect(rest).toBeLessThan(500);
    expect(500 - rest).toBeLessThanOrEqual(Number(line.completionTokens));
  });

  it("a non-streaming client gets one aggregated answer too", async () => {
    const gw = gateway(
      { continuation: "continue-final-message" },
      { [`${emu.url}/vllm/`]: () => ({ cut: 4 }) },
    );
    const completion = await gw.client().chat.completions.create(ask);
    const message = completion.choices[0]?.message as {
      content: string;
      reasoning_content?: string;
    };
    expect(message.content).toBe(DEFAULT_CONTENT);
    expect(message.reasoning_content?.endsWith(DEFAULT_REASONING)).toBe(true);
  });

  it("when the continuing backend fails too, the original break reaches the client as its error", async () => {
    const gw = gateway(
      { continuation: "continue-final-message" },
      {
        [`${emu.url}/vllm/`]: () => ({ cut: 4 }),
        [`${emu.url}/sglang/`]: () => ({ status: 503 }),
      },
    );
    const res = await gw.post({ ...ask, stream: true });
    const text = await res.text();
    expect(readSSE(text)).toMatchObject({ error: true, done: false });
    expect(text).toContain("stream_truncated");
  });

  it("no backend declared able to continue: nothing is resumed (the cloud is not asked)", async () => {
    const gw = gateway({}, { [`${emu.url}/vllm/`]: () => ({ cut: 4 }) });
    const before = emu.emulator.requests.length;
    const res = await gw.post({ ...ask, stream: true });
    expect(readSSE(await res.text()).error).toBe(true);
    expect(seen(emu.emulator, "sglang", before)).toHaveLength(0);
    expect(seen(emu.emulator, "dashscope", before)).toHaveLength(0);
  });
});
