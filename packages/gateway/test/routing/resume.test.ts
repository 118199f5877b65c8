import type { StreamEvent } from "@thinkgate/core";
import { describe, expect, it } from "vitest";
import type { EventSource } from "../../src/pipeline/events.js";
import { continuationBody } from "../../src/router/continuation.js";
import { resumableEvents } from "../../src/router/resume.js";

// An answer's events as upstreamEvents hands them out: in batches (here two events each, so
// splices land mid-batch too), an error always the last of its batch.
const stream = (events: StreamEvent[]): EventSource => {
  const batches: StreamEvent[][] = [];
  let batch: StreamEvent[] = [];
  for (const e of events) {
    batch.push(e);
    if (batch.length === 2 || e.type === "error" || e.type === "done") {
      batches.push(batch);
      batch = [];
    }
  }
  if (batch.length > 0) batches.push(batch);
  return {
    next: async () => batches.shift() ?? null,
    cancel() {
      batches.length = 0;
    },
  };
};
const start: StreamEvent = { type: "start", id: "c", model: "m", created: 1 };
const role: StreamEvent = { type: "role", choice: 0, role: "assistant" };
const think = (text: string): StreamEvent => ({ type: "reasoning", choice: 0, text });
const say = (text: string): StreamEvent => ({ type: "content", choice: 0, text });
const cut: StreamEvent = {
  type: "error",
  status: 502,
  error: { message: "lost", type: "upstream_error", param: null, code: "stream_truncated" },
};

async function all(s: EventSource) {
  const out: StreamEvent[] = [];
  for (;;) {
    const batch = await s.next();
    if (batch === null) return out;
    expect(batch.length).toBeGreaterThan(0);
    out.push(...batch);
  }
}

describe("continuationBody", () => {
  const body = { model: "m", messages: [{ role: "user", content: "q" }], stream: true };

  it("mid-reasoning: an open think block to continue (vLLM/SGLang flags)", () => {
    expect(
      continuationBody(body, { reasoning: "Let me", content: "" }, "continue-final-message"),
    ).toEqual({
      ...body,
      messages: [...body.messages, { role: "assistant", content: "<think>\nLet me" }],
      continue_final_message: true,
      add_generation_prompt: false,
    });
  });

  it("mid-answer: the closed think block, then the answer so far (DashScope partial mode)", () => {
    const out = continuationBody(body, { reasoning: "R", content: "The ans" }, "partial-mode");
    expect(out.messages).toEqual([
      ...body.messages,
      { role: "assistant", content: "<think>\nR\n</think>\n\nThe ans", partial: true },
    ]);
    expect(out).not.toHaveProperty("continue_final_message");
    expect(body.messages).toHaveLength(1);
  });
});

describe("resumableEvents", () => {
  it("splices the continuation in after a break: one opening, no error, one end", async () => {
    const asked: unknown[] = [];
    let ends = 0;
    const out = await all(
      resumableEvents(stream([start, role, think("Let "), think("me"), cut]), {
        maxResumes: 1,
        resume: async (generated) => {
          asked.push(generated);
          return stream([start, role, think(" see"), say("42"), { type: "done" }]);
        },
        onEnd: () => ends++,
      }),
    );
    expect(asked).toEqual([{ reasoning: "Let me", content: "" }]);
    expect(out).toEqual([
      start,
      role,
      think("Let "),
      think("me"),
      think(" see"),
      say("42"),
      { type: "done" },
    ]);
    expect(ends).toBe(1);
  });

  it("passes the break on when nothing can continue, or after maxResumes", async () => {
    const none = await all(
      resumableEvents(stream([think("a"), cut]), {
        maxResumes: 1,
        resume: async () => null,
        onEnd() {},
      }),
    );
    expect(none.at(-1)).toEqual(cut);
    let calls = 0;
    const twice = await all(
      resumableEvents(stream([think("a"), cut]), {
        maxResumes: 1,
        resume: async () => {
          calls++;
          return stream([think("b"), cut]);
        },
        onEnd() {},
      }),
    );
    expect(calls).toBe(1);
    expect(twice.at(-1)).toEqual(cut);
  });

  it("never resumes a model's own refusal, a tool call, or a stream that sent nothing yet", async () => {
    const refusal: StreamEvent = {
      type: "error",
      status: 400,
      error: {
        message: "inappropriate",
        type: "data_inspection_failed",
        param: null,
        code: "data_inspection_failed",
      },
    };
    const tool: StreamEvent = {
      type: "tool_call",
      choice: 0,
      index: 0,
      id: "t",
      name: "f",
      arguments: "{",
    };
    for (const events of [
      [think("a"), refusal],
      [think("a"), tool, cut],
      [start, cut],
    ]) {
      let resumed = false;
      const out = await all(
        resumableEvents(stream(events), {
          maxResumes: 1,
          resume: async () => {
            resumed = true;
            return stream([{ type: "done" }]);
          },
          onEnd() {},
        }),
      );
      expect(resumed).toBe(false);
      expect(out.at(-1)?.type).toBe("error");
    }
  });

  it("a client that leaves while the continuation opens: it is closed at once, and the end reported once", async () => {
    let ends = 0;
    let cancelled = false;
    let release = () => {};
    const opened = new Promise<void>((r) => {
      release = r;
    });
    const events = resumableEvents(stream([think("a"), cut]), {
      maxResumes: 1,
      resume: async () => {
        await opened;
        return {
          next: () => new Promise<never>(() => {}),
          cancel() {
            cancelled = true;
          },
        };
      },
      onEnd: () => ends++,
    });
    // The break arrives with the first batch: this read waits for the continuation.
    const pending = events.next();
    await new Promise((r) => setTimeout(r, 10));
    events.cancel();
    release();
    expect(await pending).toBeNull();
    await new Promise((r) => setTimeout(r, 10));
    expect(cancelled).toBe(true);
    expect(ends).toBe(1);
  });
});
