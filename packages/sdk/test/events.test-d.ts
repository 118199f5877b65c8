// Type tests: the event union narrows on `type`, results are what the docs say.
import { describe, expectTypeOf, it } from "vitest";
import type {
  ChatEvent,
  ChatResult,
  ChatStream,
  FinishReason,
  RateLimitError,
  Thinkgate,
  ThinkgateError,
  ToolCall,
  Usage,
} from "../src/index.js";

describe("types", () => {
  it("narrows the event union on type", () => {
    const ev = {} as ChatEvent;
    if (ev.type === "reasoning" || ev.type === "content")
      expectTypeOf(ev.delta).toEqualTypeOf<string>();
    if (ev.type === "tool_call_delta") {
      expectTypeOf(ev.index).toEqualTypeOf<number>();
      expectTypeOf(ev.id).toEqualTypeOf<string | undefined>();
      expectTypeOf(ev.argumentsDelta).toEqualTypeOf<string>();
      // @ts-expect-error a delta has no parsed arguments
      void ev.parsedArguments;
    }
    if (ev.type === "tool_call") {
      expectTypeOf(ev.id).toEqualTypeOf<string>();
      expectTypeOf(ev.name).toEqualTypeOf<string>();
      expectTypeOf(ev.arguments).toEqualTypeOf<string>();
      expectTypeOf(ev.parsedArguments).toEqualTypeOf<unknown>();
    }
    if (ev.type === "usage") expectTypeOf(ev.usage).toEqualTypeOf<Usage>();
    if (ev.type === "done") expectTypeOf(ev.finishReason).toEqualTypeOf<FinishReason | null>();
    expectTypeOf<ChatEvent["type"]>().toEqualTypeOf<
      "reasoning" | "content" | "tool_call_delta" | "tool_call" | "usage" | "done"
    >();
  });

  it("exposes the stream and result shapes", () => {
    expectTypeOf<ChatStream>().toMatchTypeOf<AsyncIterable<ChatEvent>>();
    expectTypeOf<ChatStream["reasoning"]>().toEqualTypeOf<AsyncIterable<string>>();
    expectTypeOf<ChatStream["content"]>().toEqualTypeOf<AsyncIterable<string>>();
    expectTypeOf<ChatStream["final"]>().returns.toEqualTypeOf<Promise<ChatResult>>();
    expectTypeOf<ChatStream["toReadableStream"]>().returns.toEqualTypeOf<
      ReadableStream<Uint8Array>
    >();
    expectTypeOf<ChatResult>().toEqualTypeOf<{
      reasoning: string;
      content: string;
      toolCalls: ToolCall[];
      usage: Usage | null;
      finishReason: FinishReason | null;
    }>();
    expectTypeOf<Thinkgate["chat"]["create"]>().returns.toEqualTypeOf<Promise<ChatResult>>();
    expectTypeOf<Thinkgate["chat"]["stream"]>().returns.toEqualTypeOf<ChatStream>();
  });

  it("types errors", () => {
    expectTypeOf<RateLimitError>().toMatchTypeOf<ThinkgateError>();
    expectTypeOf<RateLimitError["retryAfter"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ThinkgateError["status"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ThinkgateError["requestId"]>().toEqualTypeOf<string | null>();
  });

  it("requires model and messages", () => {
    const tg = {} as Thinkgate;
    // @ts-expect-error model is required
    void (() => tg.chat.stream({ messages: [] }));
    // @ts-expect-error a message needs a known role
    void (() => tg.chat.stream({ model: "m", messages: [{ role: "robot", content: "x" }] }));
  });
});
