// sseDecoder: bytes in, messages out, whatever the framing and however the bytes are cut.
import { describe, expect, it } from "vitest";
import { type SSEMessage, sseDecoder } from "../src/index.js";
import { MAX_EVENT_CHARS } from "../src/sse-decoder.js";
import { collect } from "./support.js";

const encoder = new TextEncoder();

async function decode(pieces: Uint8Array[]): Promise<SSEMessage[]> {
  const source = new ReadableStream<Uint8Array>({
    start(c) {
      for (const p of pieces) c.enqueue(p);
      c.close();
    },
  });
  return collect(source.pipeThrough(sseDecoder()));
}

const raw =
  "\ufeff: comment\r\n\r\nevent: error\r\nid: 7\r\ndata: line one\r\ndata: 思考\r\n\r\ndata:no-space\n\ndata: last";

describe("sseDecoder", () => {
  const want: SSEMessage[] = [
    { event: "error", id: "7", data: "line one\n思考" },
    { data: "no-space" },
    { data: "last" },
  ];

  it("frames BOM, comments, CRLF, event/id fields, multi-line data and a final unterminated event", async () => {
    expect(await decode([encoder.encode(raw)])).toEqual(want);
  });

  it("gives the same messages when the bytes are cut anywhere (UTF-8 split included)", async () => {
    const bytes = encoder.encode(raw);
    for (let at = 1; at < bytes.length; at++) {
      expect(await decode([bytes.subarray(0, at), bytes.subarray(at)])).toEqual(want);
    }
  });

  it("errors the stream instead of buffering an endless event", async () => {
    const huge = encoder.encode(`data: ${"x".repeat(MAX_EVENT_CHARS + 10)}`);
    await expect(decode([huge])).rejects.toThrow(/max buffer size/i);
  });
});
