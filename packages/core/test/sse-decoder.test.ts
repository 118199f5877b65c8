// sseDecoder: bytes in, messages out, whatever the framing and however the bytes are cut.
import { describe, expect, it } from "vitest";
import { type SSEMessage, sseDecoder } from "../src/index.js";
import { MAX_EVENT_CHARS, SSEFramer } from "../src/sse-decoder.js";
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

// The corners eventsource-parser's own tests pin down, kept now that the framer is ours.
describe("SSEFramer corners", () => {
  /** Feeds each piece as its own read and returns what came out, with the end-of-input flag. */
  function frame(...pieces: string[]): Array<SSEMessage & { atEnd?: true }> {
    const out: Array<SSEMessage & { atEnd?: true }> = [];
    const framer = new SSEFramer((m, atEnd) => out.push(atEnd ? { ...m, atEnd } : m));
    for (const p of pieces) framer.feed(encoder.encode(p));
    framer.end();
    return out;
  }

  it("a CR ending one read and an LF starting the next are one line end", () => {
    expect(frame("data: A\r\n", "data: B\r", "\n", "data: C\r\n", "\n")).toEqual([
      { data: "A\nB\nC" },
    ]);
  });

  it("dispatches a CR-terminated event at once, without waiting for a possible LF", () => {
    const out: SSEMessage[] = [];
    const framer = new SSEFramer((m) => out.push(m));
    framer.feed(encoder.encode("data: x\r\r"));
    expect(out).toEqual([{ data: "x" }]);
    framer.feed(encoder.encode("\ndata: y\r\n\r\n"));
    expect(out).toEqual([{ data: "x" }, { data: "y" }]);
  });

  it("mixes LF, CRLF and CR line ends in one stream", () => {
    expect(frame("data: a\ndata: b\r\ndata: c\r\rdata: d\r\n\ndata: e\n\r")).toEqual([
      { data: "a\nb\nc" },
      { data: "d" },
      { data: "e" },
    ]);
  });

  it("reads oddly shaped data fields as WHATWG says", () => {
    expect(frame("data:\n\n", "data\ndata\n\n", "data:test\n\n", "data:  two spaces\n\n")).toEqual([
      { data: "" },
      { data: "\n" },
      { data: "test" },
      { data: " two spaces" },
    ]);
  });

  it("ignores comments anywhere, retry, unknown and misspelt fields", () => {
    expect(
      frame(
        ":first\n",
        "data: 1\n: between data lines\ndata: 2\n",
        "retry: 100\nfoo: bar\nData: no\ndatas: no\n:\n\n",
      ),
    ).toEqual([{ data: "1\n2" }]);
  });

  it("a blank line without data dispatches nothing and clears event and id", () => {
    expect(frame("event: e\nid: 1\n\n\n\ndata: x\n\n")).toEqual([{ data: "x" }]);
  });

  it("event and id belong to one event; an empty event name is no name", () => {
    expect(frame("event: a\nid: 7\ndata: 1\n\nevent:\ndata: 2\n\nevent\ndata: 3\n\n")).toEqual([
      { event: "a", id: "7", data: "1" },
      { data: "2" },
      { data: "3" },
    ]);
  });

  it("ignores an id containing NUL, keeping the one before", () => {
    expect(frame("id: 123\nid: bad\0id\ndata: hello\n\n")).toEqual([{ id: "123", data: "hello" }]);
  });

  it("strips only a leading BOM: a mid-stream U+FEFF makes its line an unknown field", () => {
    expect(frame("\ufeffdata: 1\n\n", "\ufeffdata: 2\n\ndata: 3\n\n")).toEqual([
      { data: "1" },
      { data: "3" },
    ]);
  });

  it("tells which event only the end of input completed", () => {
    expect(frame("data: a\n\ndata: b")).toEqual([{ data: "a" }, { data: "b", atEnd: true }]);
    expect(frame("data: a\r")).toEqual([{ data: "a", atEnd: true }]);
    expect(frame("data: a\n\n: trailing comment")).toEqual([{ data: "a" }]);
  });

  it("assembles one long event from many small reads", () => {
    const piece = "0123456789".repeat(10);
    const reads = ["data: ", ...Array.from({ length: 1000 }, () => piece), "\n\n"];
    expect(frame(...reads)).toEqual([{ data: piece.repeat(1000) }]);
  });

  it("caps data spread over many lines and reads too, then ignores later input", () => {
    const out: SSEMessage[] = [];
    const framer = new SSEFramer((m) => out.push(m));
    const line = `data: ${"y".repeat(1024 * 1024)}\n`;
    for (let i = 0; i < 7; i++) framer.feed(encoder.encode(line));
    expect(framer.error).toBeNull();
    framer.feed(encoder.encode(line));
    expect(framer.error?.message).toMatch(/max buffer size of 8388608 characters/);
    framer.feed(encoder.encode("\n\ndata: later\n\n"));
    framer.end();
    expect(out).toEqual([]);
  });

  const corners =
    "\ufeff:c\r\ndata: 思考\r\ndata\revent: e\nid: 1\n\n" +
    "retry: 5\r\ndata:🤔\r\r:x\n\ndata: end";
  const wantCorners: SSEMessage[] = [
    { event: "e", id: "1", data: "思考\n" },
    { data: "🤔" },
    { data: "end" },
  ];

  it("frames the corners the same however the bytes are cut", () => {
    const bytes = encoder.encode(corners);
    const messages = (pieces: Uint8Array[]) => {
      const out: SSEMessage[] = [];
      const framer = new SSEFramer((m) => out.push(m));
      for (const p of pieces) framer.feed(p);
      framer.end();
      return out;
    };
    expect(messages([bytes])).toEqual(wantCorners);
    expect(messages(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)))).toEqual(wantCorners);
    for (let a = 1; a < bytes.length; a++) {
      for (let b = a; b < bytes.length; b += 7) {
        const got = messages([bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)]);
        if (JSON.stringify(got) !== JSON.stringify(wantCorners))
          expect(got, `cut at ${a} and ${b}`).toEqual(wantCorners);
      }
    }
  });
});
