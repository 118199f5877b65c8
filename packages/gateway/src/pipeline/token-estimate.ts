/**
 * Token counts estimated from text, for when no tokenizer has counted them: the limiter's
 * reservation (before the upstream has seen the prompt) and the charge for a stream that ended
 * before the upstream reported its usage.
 *
 * Weights per UTF-16 code unit, in one linear pass, calibrated against Qwen's tokenizer so the
 * estimate is at or above the real count on English prose, Chinese prose and source code
 * (test/pipeline/token-estimate.test.ts records the ratios; docs/performance.md says why the
 * tokenizer itself is not used):
 * - ASCII letters and whitespace: 1/4 (English runs about 4.6 characters a token, code 3.9);
 * - ASCII digits: 1 (Qwen splits numbers into single digits);
 * - other ASCII (punctuation, operators, controls): 1/2;
 * - CJK, kana, Hangul and everything else from U+2E80 up: 1 (Chinese prose runs about 0.65
 *   tokens a character, rare characters more);
 * - other non-ASCII below U+2E80 (accented Latin, Cyrillic, Greek, Arabic…): 1/2;
 * - a character outside the BMP (two code units: emoji, CJK extensions): 2.
 */
export function textTokens(text: string): number {
  let sum = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x30 && c <= 0x39) sum += 1;
      else if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x20 || c === 0x0a)
        sum += 0.25;
      else sum += 0.5;
    } else if (c >= 0x2e80) sum += 1;
    else sum += 0.5;
  }
  return sum;
}

/** The chat template's own tokens around each message (`<|im_start|>role\n…<|im_end|>\n`). */
const perMessage = 6;
/** An inline image (a data: URL) costs what the model makes of the image, not its base64. */
const maxPerDataUrl = 16_384;

/**
 * A chat request's prompt in tokens, estimated from everything the client sent that can reach
 * the model: every string (message text, tool schemas, keys) weighed by `textTokens`, plus the
 * template's tokens per message. One pass over the parsed body; never below 1.
 */
export function promptTokens(body: Readonly<Record<string, unknown>>): number {
  let sum = 0;
  const walk = (value: unknown): void => {
    if (typeof value === "string") {
      const weight = textTokens(value);
      sum += value.startsWith("data:") ? Math.min(weight, maxPerDataUrl) : weight;
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item);
    } else if (typeof value === "object" && value !== null) {
      for (const key in value) {
        sum += textTokens(key);
        walk((value as Record<string, unknown>)[key]);
      }
    }
  };
  walk(body);
  if (Array.isArray(body.messages)) sum += perMessage * body.messages.length;
  return Math.max(1, Math.ceil(sum));
}
