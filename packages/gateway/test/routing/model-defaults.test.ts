import { describe, expect, it } from "vitest";
import { applyModelDefaults } from "../../src/router/model-defaults.js";

const qwq = { defaults: { temperature: 0.6, top_p: 0.95, top_k: 30 }, maxTokens: 32_768 };

describe("applyModelDefaults", () => {
  it("fills in what the client did not send", () => {
    const out = applyModelDefaults({ model: "qwq", messages: [] }, qwq);
    expect(out).toMatchObject({ temperature: 0.6, top_p: 0.95, top_k: 30, max_tokens: 32_768 });
  });

  it("keeps what the client sent (null counts as not sent)", () => {
    const out = applyModelDefaults({ temperature: 0, top_p: null, max_tokens: 100 }, qwq);
    expect(out).toMatchObject({ temperature: 0, top_p: 0.95, max_tokens: 100 });
  });

  it("caps token limits above the cap, under either name", () => {
    expect(applyModelDefaults({ max_tokens: 100_000 }, qwq).max_tokens).toBe(32_768);
    const newer = applyModelDefaults({ max_completion_tokens: 50_000 }, qwq);
    expect(newer.max_completion_tokens).toBe(32_768);
    expect(newer.max_tokens).toBeUndefined();
  });

  it("does not touch the client's object", () => {
    const body = { messages: [] };
    applyModelDefaults(body, qwq);
    expect(body).toEqual({ messages: [] });
  });

  it("no defaults, no cap: the request as sent", () => {
    expect(applyModelDefaults({ a: 1 }, { defaults: {} })).toEqual({ a: 1 });
  });
});
