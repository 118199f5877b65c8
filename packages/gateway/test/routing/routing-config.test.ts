import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/index.js";
import { parseChatRequest } from "../../src/pipeline/chat-request.js";
import { withModelDefaults } from "../../src/router/model-defaults.js";
import { mayUseModel } from "../../src/router/usable-models.js";

const backends = {
  gpu: { type: "openai-compatible", baseUrl: "http://127.0.0.1:1/v1", tags: ["local"] },
  cloud: { type: "openai-compatible", baseUrl: "http://127.0.0.1:2/v1", tags: ["cloud"] },
};

function configError(input: unknown): string {
  try {
    parseConfig(input, {});
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("routing config", () => {
  it("has defaults that try hard but never for long", () => {
    const config = parseConfig(
      { backends, models: { m: { targets: [{ backend: "gpu", model: "x" }] } } },
      {},
    );
    expect(config.routing).toEqual({
      retry: {
        maxAttempts: 3,
        budgetMs: 90_000,
        backoffBaseMs: 250,
        backoffMaxMs: 4_000,
        maxRetryAfterMs: 2_000,
      },
      breaker: { failureThreshold: 5, cooldownMs: 30_000 },
    });
    expect(config.models.m).toMatchObject({ strategy: "fallback", defaults: {} });
    expect(config.models.m?.maxTokens).toBeUndefined();
  });

  it("takes partial settings and active health checks", () => {
    const config = parseConfig(
      {
        backends,
        models: { m: { targets: [{ backend: "gpu", model: "x" }] } },
        routing: { retry: { maxAttempts: 5 }, healthCheck: {} },
      },
      {},
    );
    expect(config.routing.retry).toMatchObject({ maxAttempts: 5, budgetMs: 90_000 });
    expect(config.routing.healthCheck).toEqual({ intervalMs: 30_000, timeoutMs: 10_000 });
  });

  it("rejects a typo in the routing section, naming it", () => {
    const message = configError({
      backends,
      models: { m: { targets: [{ backend: "gpu", model: "x" }] } },
      routing: { breaker: { failureTreshold: 2 } },
    });
    expect(message).toContain("routing.breaker");
    expect(message).toContain("failureTreshold");
  });

  it("spillover needs a limit on every target but the last", () => {
    const message = configError({
      backends,
      models: {
        m: {
          strategy: "spillover",
          targets: [
            { backend: "gpu", model: "x" },
            { backend: "cloud", model: "y" },
          ],
        },
      },
    });
    expect(message).toContain("models.m.targets[0].maxConcurrency");
    expect(message).toContain('strategy "spillover"');
    // A limit on the backend or on the target will do.
    for (const gpu of [{ ...backends.gpu, maxConcurrency: 4 }, backends.gpu]) {
      const target =
        gpu === backends.gpu
          ? { backend: "gpu", model: "x", maxConcurrency: 2 }
          : { backend: "gpu", model: "x" };
      expect(() =>
        parseConfig(
          {
            backends: { ...backends, gpu },
            models: {
              m: { strategy: "spillover", targets: [target, { backend: "cloud", model: "y" }] },
            },
          },
          {},
        ),
      ).not.toThrow();
    }
  });
});

describe("docs/config.md", () => {
  it("its full example is a valid config, routing fields included", () => {
    const doc = readFileSync(new URL("../../../../docs/config.md", import.meta.url), "utf8");
    const example = doc.split("## Full example")[1]?.split("```json\n")[1]?.split("```")[0];
    const env = {
      DASHSCOPE_API_KEY: "sk-x",
      VLLM_API_KEY: "vllm-x",
      ACME_KEY: "tg-acme-key-0001",
      THINKGATE_ADMIN_TOKEN: "admin-token-0123456789",
    };
    const config = parseConfig(JSON.parse(example ?? "null"), env);
    expect(config.models["qwq-32b"]).toMatchObject({ strategy: "spillover", maxTokens: 32_768 });
    expect(config.routing.retry.maxAttempts).toBe(3);
  });
});

describe("mayUseModel", () => {
  const config = parseConfig(
    {
      backends,
      models: {
        both: {
          targets: [
            { backend: "gpu", model: "x" },
            { backend: "cloud", model: "y" },
          ],
        },
        cloudOnly: { targets: [{ backend: "cloud", model: "y" }] },
      },
    },
    {},
  );
  const use = (name: "both" | "cloudOnly", principal: object) =>
    mayUseModel(config, name, config.models[name]!, { keyId: "k", tenant: "t", ...principal });

  it("follows the key's allowlist and its placement tags", () => {
    expect(use("both", {})).toBe(true);
    expect(use("cloudOnly", {})).toBe(true);
    expect(use("cloudOnly", { tags: ["local"] })).toBe(false);
    expect(use("both", { tags: ["local"] })).toBe(true);
    expect(use("both", { models: ["cloudOnly"] })).toBe(false);
  });
});

describe("withModelDefaults", () => {
  const model = parseConfig(
    {
      backends,
      models: {
        m: {
          targets: [{ backend: "gpu", model: "x" }],
          defaults: { temperature: 0.6 },
          maxTokens: 1_000,
        },
      },
    },
    {},
  ).models.m!;

  it("the limiter's estimate follows the capped budget", () => {
    const asked = parseChatRequest({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 50_000,
    });
    const capped = withModelDefaults(asked, model);
    expect(capped.body.max_completion_tokens).toBe(1_000);
    expect(capped.estimatedTokens).toBe(asked.promptTokens + 1_000);
    expect(asked.estimatedTokens).toBe(asked.promptTokens + 50_000);
    expect(capped.body).toMatchObject({ temperature: 0.6 });
  });
});
