import { describe, expect, it } from "vitest";
import { createApp, parseConfig } from "../../src/index.js";
import { nestsDeeperThan } from "../../src/pipeline/json-depth.js";
import { quickUpstream } from "./quick-upstream.js";

// Found by the fuzz test: a 40 KB body nested 20,000 levels deep parsed fine, passed validation,
// and then overflowed the stack when the upstream body was serialized: a 500 for a client's
// mistake. It is now a 400 before anything else looks at it.

const config = parseConfig(
  {
    backends: { up: { type: "openai-compatible", baseUrl: "http://up.test/v1" } },
    models: { qwq: { targets: [{ backend: "up", model: "m" }] } },
    keys: [{ key: "tg-deep-json-key", tenant: "t" }],
  },
  {},
);

function post(body: string) {
  const app = createApp({ config, fetch: quickUpstream() });
  return app.request("/v1/chat/completions", {
    method: "POST",
    headers: { authorization: "Bearer tg-deep-json-key", "content-type": "application/json" },
    body,
  });
}

const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

describe("deeply nested JSON", () => {
  it("is refused with a 400 naming the limit, wherever the nesting is", async () => {
    for (const body of [
      `{"model":"qwq","messages":[{"role":"user","content":${nested(20_000)}}]}`,
      `${"[".repeat(50_000)}${"]".repeat(50_000)}`,
      `{"model":"qwq","messages":[{"role":"user","content":"hi"}],"tools":[${nested(129)}]}`,
    ]) {
      const res = await post(body);
      expect(res.status).toBe(400);
      const json = (await res.json()) as { error: Record<string, unknown> };
      expect(json.error).toMatchObject({
        type: "invalid_request_error",
        code: "invalid_json",
        param: null,
      });
      expect(json.error.message).toMatch(/more than 128 levels/);
    }
  });

  it("still serves requests nested as deep as real tool schemas go", async () => {
    const res = await post(
      `{"model":"qwq","messages":[{"role":"user","content":"hi"}],"tools":[${nested(100)}]}`,
    );
    expect(res.status).toBe(200);
  });

  it("is measured without recursion, for arrays and objects alike", () => {
    expect(nestsDeeperThan(JSON.parse(nested(100_000)), 128)).toBe(true);
    expect(nestsDeeperThan([[[1]]], 3)).toBe(false);
    expect(nestsDeeperThan([[[1]]], 2)).toBe(true);
    expect(nestsDeeperThan({ a: [{ b: {} }] }, 4)).toBe(false);
    expect(nestsDeeperThan({ a: [{ b: {} }] }, 3)).toBe(true);
    expect(nestsDeeperThan("text", 0)).toBe(false);
  });
});
