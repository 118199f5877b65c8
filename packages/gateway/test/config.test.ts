import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../src/index.js";

const example = {
  store: { type: "memory" },
  backends: {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's own "${NAME}" syntax
    dashscope: { type: "dashscope", apiKey: "${DASHSCOPE_API_KEY}" },
    "gpu-box": {
      type: "openai-compatible",
      baseUrl: "http://10.0.0.5:8000/v1",
      reasoning: "think-open",
      maxConcurrency: 16,
      firstByteTimeoutMs: 30000,
    },
  },
  models: {
    "qwq-32b": {
      strategy: "fallback",
      targets: [
        { backend: "gpu-box", model: "Qwen/QwQ-32B" },
        { backend: "dashscope", model: "qwq-32b" },
      ],
    },
  },
  keys: [
    {
      key: "tg-live-0123456789",
      tenant: "acme",
      models: ["qwq-32b"],
      limits: { rpm: 60, tpm: 200000, concurrency: 4 },
    },
  ],
};

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("accepts design.md's example, substitutes environment references and applies defaults", () => {
    const config = parseConfig(example, { DASHSCOPE_API_KEY: "sk-real" });
    const ds = config.backends.dashscope;
    expect(ds?.type).toBe("dashscope");
    expect(ds?.apiKey).toBe("sk-real");
    expect(ds?.type === "dashscope" && ds.region).toBe("intl");
    expect(config.backends["gpu-box"]?.firstByteTimeoutMs).toBe(30000);
    expect(config.backends["gpu-box"]?.historyReasoning).toBe("strip");
    expect(config.server.maxBodyBytes).toBe(2 * 1024 * 1024);
    expect(config.server.host).toBe("127.0.0.1");
    expect(config.server.auth).toBe("keys");
    expect(config.models["qwq-32b"]?.targets).toHaveLength(2);
  });

  it("substitutes inside longer strings", () => {
    const config = parseConfig(
      {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's own "${NAME}" syntax
        backends: { b: { type: "openai-compatible", baseUrl: "http://${HOST}:8000/v1" } },
        models: {},
      },
      { HOST: "gpu1" },
    );
    expect(config.backends.b?.type === "openai-compatible" && config.backends.b.baseUrl).toBe(
      "http://gpu1:8000/v1",
    );
  });

  it("names the field and the variable when an environment variable is missing", () => {
    expect(errorOf(() => parseConfig(example, {}))).toMatch(
      /backends\.dashscope\.apiKey: expected environment variable DASHSCOPE_API_KEY to be set/,
    );
  });

  it("rejects a typo instead of ignoring it", () => {
    const typo = {
      ...example,
      backends: {
        ...example.backends,
        "gpu-box": { ...example.backends["gpu-box"], firstByteTimoutMs: 5 },
      },
    };
    expect(errorOf(() => parseConfig(typo, { DASHSCOPE_API_KEY: "k" }))).toMatch(
      /backends\["gpu-box"\].*firstByteTimoutMs/,
    );
  });

  it("rejects a target naming an unknown backend, with the path", () => {
    const bad = {
      ...example,
      models: { m: { targets: [{ backend: "gpu-bx", model: "x" }] } },
      keys: [],
    };
    expect(errorOf(() => parseConfig(bad, { DASHSCOPE_API_KEY: "k" }))).toMatch(
      /models\.m\.targets\[0\]\.backend: expected one of the backends \(dashscope, gpu-box\), got "gpu-bx"/,
    );
  });

  it("rejects a key allowlist naming an unknown model", () => {
    const bad = { ...example, keys: [{ key: "tg-0123456789", tenant: "t", models: ["qwq-31b"] }] };
    expect(errorOf(() => parseConfig(bad, { DASHSCOPE_API_KEY: "k" }))).toMatch(
      /keys\[0\]\.models\[0\]: .*qwq-31b/,
    );
  });

  it("wants exactly one of key and keyHash, and a well-formed hash", () => {
    const both = {
      ...example,
      keys: [{ key: "tg-0123456789", keyHash: `sha256:${"a".repeat(64)}`, tenant: "t" }],
    };
    expect(errorOf(() => parseConfig(both, { DASHSCOPE_API_KEY: "k" }))).toMatch(
      /keys\[0\]: expected exactly one of "key" or "keyHash"/,
    );
    const badHash = { ...example, keys: [{ keyHash: "sha256:xyz", tenant: "t" }] };
    expect(errorOf(() => parseConfig(badHash, { DASHSCOPE_API_KEY: "k" }))).toMatch(
      /keys\[0\]\.keyHash: expected "sha256:"/,
    );
  });

  it("rejects a bad URL, an unknown backend type and an alias clash", () => {
    const badUrl = {
      backends: { b: { type: "openai-compatible", baseUrl: "gpu-box:8000" } },
      models: {},
    };
    expect(errorOf(() => parseConfig(badUrl, {}))).toMatch(
      /backends\.b\.baseUrl: expected an http\(s\) URL/,
    );
    const badType = { backends: { b: { type: "vllm", baseUrl: "http://x/v1" } }, models: {} };
    expect(errorOf(() => parseConfig(badType, {}))).toMatch(
      /backends\.b\.type: expected "type" to be "dashscope" or "openai-compatible"/,
    );
    const clash = {
      backends: { b: { type: "openai-compatible", baseUrl: "http://x/v1" } },
      models: {
        a: { targets: [{ backend: "b", model: "m" }] },
        c: { targets: [{ backend: "b", model: "m" }], aliases: ["a"] },
      },
    };
    expect(errorOf(() => parseConfig(clash, {}))).toMatch(
      /models\.c\.aliases\[0\]: expected a name not already used/,
    );
  });

  it("reads every store type", () => {
    const base = { backends: {}, models: {} };
    expect(
      parseConfig({ ...base, store: { type: "redis", url: "redis://127.0.0.1:6379" } }, {}).store,
    ).toEqual({ type: "redis", url: "redis://127.0.0.1:6379" });
    expect(
      parseConfig(
        { ...base, store: { type: "upstash", url: "https://x.upstash.io", token: "t" } },
        {},
      ).store.type,
    ).toBe("upstash");
    expect(
      errorOf(() =>
        parseConfig({ ...base, store: { type: "upstash", url: "https://x.upstash.io" } }, {}),
      ),
    ).toMatch(/store\.token/);
  });

  it("reads the admin token, the store outage policy and CORS origins", () => {
    const base = { backends: {}, models: {} };
    const config = parseConfig(
      {
        ...base,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's own "${NAME}" syntax
        admin: { token: "${ADMIN}" },
        store: { type: "redis", url: "redis://x", onUnavailable: { keys: "stale" } },
        server: { cors: { origins: ["*"] } },
      },
      { ADMIN: "a-long-enough-admin-token" },
    );
    expect(config.admin.token).toBe("a-long-enough-admin-token");
    expect(config.store.onUnavailable).toEqual({ keys: "stale", limits: "open" });
    expect(config.server.cors).toEqual({ origins: ["*"] });
    expect(parseConfig(base, {}).admin).toEqual({});
    expect(errorOf(() => parseConfig({ ...base, admin: { token: "short" } }, {}))).toMatch(
      /admin\.token/,
    );
    expect(errorOf(() => parseConfig({ ...base, server: { cors: { origins: [] } } }, {}))).toMatch(
      /server\.cors\.origins/,
    );
    expect(
      errorOf(() =>
        parseConfig({ ...base, store: { type: "memory", onUnavailable: { limits: "ajar" } } }, {}),
      ),
    ).toMatch(/store\.onUnavailable\.limits/);
  });
});
