import { describe, expect, it } from "vitest";
import { SSETokens } from "../src/load/sse-tokens.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("SSETokens", () => {
  it("counts token chunks across reads split anywhere, and sees [DONE]", () => {
    const stream =
      'data: {"choices":[{"delta":{"role":"assistant","content":""}}]}\n\n' +
      'data: {"choices":[{"delta":{"reasoning":"tok "}}]}\n\n' +
      'data: {"choices":[{"delta":{"reasoning_content":"tok ","content":null}}]}\n\n' +
      'data: {"choices":[{"delta":{"content":"tok "}}]}\n\n' +
      'data: {"choices":[{"delta":{},"finish_reason":"stop"}]}\n\n' +
      "data: [DONE]\n\n";
    for (let cut = 1; cut < stream.length; cut += 7) {
      const sse = new SSETokens();
      let seen = 0;
      sse.feed(bytes(stream.slice(0, cut)), () => seen++);
      sse.feed(bytes(stream.slice(cut)), () => seen++);
      expect(seen).toBe(3);
      expect(sse.tokens).toBe(3);
      expect(sse.done).toBe(true);
      expect(sse.error).toBeUndefined();
    }
  });

  it("keeps the first in-band error event and ignores an empty role chunk", () => {
    const sse = new SSETokens();
    sse.feed(bytes('data: {"choices":[{"delta":{"content":""}}]}\n\n'), () => {});
    sse.feed(bytes('data: {"error":{"message":"boom","type":"upstream_error"}}\n\n'), () => {});
    expect(sse.tokens).toBe(0);
    expect(sse.done).toBe(false);
    expect(sse.error).toContain("boom");
  });
});
