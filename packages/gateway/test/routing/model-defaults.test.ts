import { describe, expect, it } from "vitest";
import { applyModelDefaults, outputBudget } from "../../src/router/model-defaults.js";

const qwq = { defaults: { temperature: 0.6, top_p: 0.95, top_k: 30 }, maxTokens: 32_768 };

describe("applyModelDefaults", () => {
  it("fills in what the client did not send, the output budget included", () => {
    const out = applyModelDefaults({ model: "qwq", messages: [] }, qwq);
    expect(out).toMatchObject({
      temperature: 0.6,
      top_p: 0.95,
      top_k: 30,
      max_completion_tokens: 32_768,
    });
  });

  it("keeps what the client sent (null counts as not sent)", () => {
    const out = applyModelDefaults({ temperature: 0, top_p: null, max_tokens: 100 }, qwq);
    expect(out).toMatchObject({ temperature: 0, top_p: 0.95, max_completion_tokens: 100 });
  });

  it("sends one budget under one name, capped, whichever name or names the client used", () => {
    expect(applyModelDefaults({ max_tokens: 100_000 }, qwq).max_completion_tokens).toBe(32_768);
    const both = applyModelDefaults({ max_completion_tokens: 1, max_tokens: 32_000 }, qwq);
    expect(both.max_completion_tokens).toBe(1);
    expect(both).not.toHaveProperty("max_tokens");
  });

  it("does not touch the client's object", () => {
    const body = { messages: [] };
    applyModelDefaults(body, qwq);
    expect(body).toEqual({ messages: [] });
  });

  it("no defaults, no cap: the request as sent, with the default budget", () => {
    expect(applyModelDefaults({ a: 1 }, { defaults: {} })).toEqual({
      a: 1,
      max_completion_tokens: 32_768,
    });
  });
});

describe("outputBudget", () => {
  it("is the client's ask, else the model's default, else 32,768, never above the cap", () => {
    expect(outputBudget({ max_tokens: 10 }, { defaults: {} })).toBe(10);
    expect(outputBudget({}, { defaults: {}, defaultMaxTokens: 4_000 })).toBe(4_000);
    expect(outputBudget({}, { defaults: {} })).toBe(32_768);
    expect(outputBudget({}, { defaults: {}, maxTokens: 8_192 })).toBe(8_192);
    expect(outputBudget({ max_completion_tokens: 9_000 }, { defaults: {}, maxTokens: 8_192 })).toBe(
      8_192,
    );
  });
});
