import { connect } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, emuPrompt, startEmulator } from "../src/index.js";
import { chat, rawPost, rawRequest } from "./raw-client.js";

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());

describe("request log", () => {
  it("records dialect, path, headers and parsed body; done resolves when the response ends", async () => {
    const body = chat("hello", { model: "qwq-32b", stream: true });
    const res = await fetch(`${emu.url}/dashscope/compatible-mode/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk-test", "x-dashscope-datainspection": '{"input":"cip"}' },
      body: JSON.stringify(body),
    });
    await res.text();
    const record = emu.requests.at(-1)!;
    expect(record.dialect).toBe("dashscope");
    expect(record.path).toBe("/dashscope/compatible-mode/v1/chat/completions");
    expect(record.headers.authorization).toBe("Bearer sk-test");
    expect(record.headers["x-dashscope-datainspection"]).toBe('{"input":"cip"}');
    expect(record.body).toEqual(body);
    await record.done;
    expect(record.closedByClient).toBe(false);
    expect(record.closedAt).toBeTypeOf("number");
  });

  it("notices within a second when a client leaves mid-stream", async () => {
    const controller = new AbortController();
    const res = await fetch(`${emu.url}/vllm/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify(chat(emuPrompt({ chunks: 1000, chunkDelayMs: 20 }), { stream: true })),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    const record = emu.requests.at(-1)!;
    expect(record.closedAt).toBeUndefined();
    // Client and emulator share this process: however long a loaded machine holds up its event
    // loop meanwhile, noticing may take that too.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const leftAt = Date.now();
    controller.abort();
    await record.done;
    loopDelay.disable();
    expect(record.closedByClient).toBe(true);
    expect(record.closedAt! - leftAt).toBeLessThan(1000 + loopDelay.max / 1e6);
  });
});

describe("bad input gets the dialect's error, never a crash", () => {
  it("malformed JSON → vLLM's 400", async () => {
    const res = await rawPost(`${emu.url}/vllm/v1/chat/completions`, '{"messages": [');
    expect(res.status).toBe(400);
    const body = JSON.parse(res.text);
    expect(body.error.type).toBe("BadRequestError");
    expect(body.error.code).toBe(400);
    expect(body.error.message).toMatch(/JSON/);
    expect(emu.requests.at(-1)!.body).toBe('{"messages": [');
  });

  it("malformed JSON → DashScope's 400", async () => {
    const res = await rawPost(
      `${emu.url}/dashscope/compatible-mode/v1/chat/completions`,
      "not json",
    );
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error).toMatchObject({
      code: "invalid_parameter_error",
      type: "invalid_request_error",
    });
  });

  it("malformed JSON → SGLang's flat error object", async () => {
    const res = await rawPost(`${emu.url}/sglang/v1/chat/completions`, "{");
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({
      object: "error",
      type: "BadRequestError",
      code: 400,
    });
  });

  it("a body without messages → 400", async () => {
    for (const body of ["[]", "null", '{"model":"x"}', '"text"']) {
      const res = await rawPost(`${emu.url}/ollama/v1/chat/completions`, body);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text).error.type).toBe("invalid_request_error");
    }
  });

  it("a broken directive → 400 that says so", async () => {
    const res = await rawPost(
      `${emu.url}/llamacpp/v1/chat/completions`,
      chat("[[emu:!!!notbase64]]"),
    );
    expect(res.status).toBe(200); // not a directive at all: the marker's alphabet did not match
    const bad = await rawPost(
      `${emu.url}/llamacpp/v1/chat/completions`,
      chat("[[emu:bm90IGpzb24]]"),
    );
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error.message).toMatch(/directive/);
  });

  it.each([
    [{ chunks: 0 }, "chunks must be an integer from 1 to 100000"],
    [{ reasoning: 42 }, "reasoning must be a string"],
    [{ hang: "forever" }, 'hang must be "headers" or a number of chunks'],
    [{ status: 200 }, "status must be an HTTP error status (400-599)"],
    [{ toolCall: { name: "f" } }, "toolCall must be { name: string, arguments: object }"],
    [
      { usage: { prompt: -1, completion: 1 } },
      "usage must be { prompt, completion, reasoning? } token counts",
    ],
    [{ chunkz: 3 }, 'unknown field "chunkz"'],
  ])("directive %j → 400: %s", async (spec, message) => {
    const res = await rawPost(
      `${emu.url}/vllm/v1/chat/completions`,
      chat(emuPrompt(spec as never), { stream: true }),
    );
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error.message).toBe(`emulator directive: ${message}`);
  });

  it("unknown path → 404 JSON", async () => {
    const res = await rawRequest(`${emu.url}/nope/v1/chat/completions`, "POST", "{}");
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text).error.type).toBe("not_found_error");
    expect(emu.requests.at(-1)!.dialect).toBe("unknown");
  });

  it("a body over 16 MB → 413 in the dialect's shape", async () => {
    const res = await rawPost(
      `${emu.url}/llamacpp/v1/chat/completions`,
      "x".repeat(16 * 1024 * 1024 + 1),
    );
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).error).toMatchObject({
      code: 413,
      message: "Request body too large",
    });
  });

  it("wrong method → 405 with Allow", async () => {
    const res = await rawRequest(`${emu.url}/vllm/v1/chat/completions`, "GET");
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("POST");
    const models = await rawRequest(`${emu.url}/vllm/v1/models`, "POST", "{}");
    expect(models.status).toBe(405);
    expect(models.headers.allow).toBe("GET");
  });

  it("a client that leaves halfway through its body is logged, not crashed on", async () => {
    const socket = connect(Number(new URL(emu.url).port), "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(
      'POST /vllm/v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{"mess',
    );
    while (
      emu.requests.at(-1)?.path !== "/vllm/v1/chat/completions" ||
      emu.requests.at(-1)?.closedAt !== undefined
    ) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const record = emu.requests.at(-1)!;
    socket.destroy();
    await record.done;
    expect(record.closedByClient).toBe(true);
  });

  it("keeps serving after all of the above", async () => {
    const res = await rawPost(`${emu.url}/vllm/v1/chat/completions`, chat("hi", { stream: true }));
    expect(res.text.endsWith("data: [DONE]\n\n")).toBe(true);
  });
});

describe("backend refusals", () => {
  it("DashScope qwq-*: enable_thinking:false → 400 restricted to True", async () => {
    const res = await rawPost(
      `${emu.url}/dashscope/compatible-mode/v1/chat/completions`,
      chat("hi", { model: "qwq-32b", stream: true, enable_thinking: false }),
    );
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error).toEqual({
      code: "invalid_parameter_error",
      param: null,
      message: "The value of the enable_thinking parameter is restricted to True.",
      type: "invalid_request_error",
    });
  });

  it("Ollama: reasoning_effort outside high|medium|low|none → 400", async () => {
    const url = `${emu.url}/ollama/v1/chat/completions`;
    const bad = await rawPost(url, chat("hi", { stream: true, reasoning_effort: "max" }));
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error).toMatchObject({
      type: "invalid_request_error",
      message: "invalid reasoning value: 'max'",
    });
    const nested = await rawPost(
      url,
      chat("hi", { stream: true, reasoning: { effort: "xhigh" }, reasoning_effort: "low" }),
    );
    expect(nested.status).toBe(400);
    const good = await rawPost(url, chat("hi", { stream: true, reasoning_effort: "low" }));
    expect(good.status).toBe(200);
  });
});

describe("record: false", () => {
  it("serves without keeping a log", async () => {
    const quiet = await startEmulator({ record: false });
    const res = await rawPost(
      `${quiet.url}/vllm/v1/chat/completions`,
      chat("hi", { stream: true }),
    );
    expect(res.text.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(quiet.requests).toHaveLength(0);
    await quiet.close();
  });
});

describe("close()", () => {
  it("ends hanging connections and is not mistaken for the client leaving", async () => {
    const own = await startEmulator();
    const pending = fetch(`${own.url}/vllm/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify(chat(emuPrompt({ hang: "headers" }))),
    }).catch((error: unknown) => error);
    while (own.requests.length === 0 || own.requests[0]!.body === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await own.close();
    await own.requests[0]!.done;
    expect(own.requests[0]!.closedByClient).toBe(false);
    expect(await pending).toBeInstanceOf(Error);
  });
});
