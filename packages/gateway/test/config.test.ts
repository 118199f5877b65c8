import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, parseJsonText } from "../src/index.js";
import { tenancyFromConfig } from "../src/tenancy/from-config.js";

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

  it("refuses dropping the field a backend's output budget is sent in, and allows renaming it", () => {
    const withParams = (type: string, params: Record<string, unknown>) => ({
      backends: {
        b: { type, baseUrl: "http://127.0.0.1:9/v1", apiKey: "k", params },
      },
      models: { m: { targets: [{ backend: "b", model: "x" }] } },
    });
    expect(
      errorOf(() => parseConfig(withParams("openai-compatible", { drop: ["max_tokens"] }), {})),
    ).toMatch(/backends\.b\.params\.drop: "max_tokens" carries the request's output budget/);
    expect(
      errorOf(() => parseConfig(withParams("dashscope", { drop: ["max_completion_tokens"] }), {})),
    ).toMatch(/"max_completion_tokens" carries the request's output budget/);
    expect(
      errorOf(() =>
        parseConfig(
          withParams("openai-compatible", {
            rename: { max_tokens: "n_predict" },
            drop: ["n_predict"],
          }),
          {},
        ),
      ),
    ).toMatch(/"n_predict" carries the request's output budget/);
    // Renamed, or the other spelling dropped (the adapter already moved the budget): fine.
    expect(() =>
      parseConfig(withParams("openai-compatible", { rename: { max_tokens: "n_predict" } }), {}),
    ).not.toThrow();
    expect(() =>
      parseConfig(withParams("openai-compatible", { drop: ["max_completion_tokens"] }), {}),
    ).not.toThrow();
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

describe("config hardening", () => {
  const backend = { type: "openai-compatible", baseUrl: "http://10.0.0.5:8000/v1" };
  const base = {
    backends: { gpu: backend },
    models: { m: { targets: [{ backend: "gpu", model: "m" }] } },
  };
  const secretHash = (hex: string) => `sha256:${hex}`;

  it("refuses a key, key hash or id written twice, naming both entries", async () => {
    const twiceKey = errorOf(() =>
      parseConfig(
        {
          ...base,
          keys: [
            { key: "tg-same-key-0001", tenant: "acme" },
            { key: "tg-same-key-0001", tenant: "evil" },
          ],
        },
        {},
      ),
    );
    expect(twiceKey).toMatch(
      /keys\[1\]\.key: expected each key once; this one is also keys\[0\]\.key/,
    );
    const hash = secretHash("a".repeat(64));
    expect(
      errorOf(() =>
        parseConfig(
          {
            ...base,
            keys: [
              { keyHash: hash, tenant: "a" },
              { keyHash: hash, tenant: "b" },
            ],
          },
          {},
        ),
      ),
    ).toMatch(/keys\[1\]\.keyHash/);
    expect(
      errorOf(() =>
        parseConfig(
          {
            ...base,
            keys: [
              { id: "k1", key: "tg-first-key-01", tenant: "a" },
              { id: "k1", key: "tg-second-key-2", tenant: "b" },
            ],
          },
          {},
        ),
      ),
    ).toMatch(/keys\[1\]\.id: expected a unique id/);
    // The same secret as a key and as a hash is found once the hashes are computed (start-up).
    const digest = await crypto.subtle.digest(
      "SHA-256",
      new TextEncoder().encode("tg-same-key-0001"),
    );
    const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
    const config = parseConfig(
      {
        ...base,
        keys: [
          { key: "tg-same-key-0001", tenant: "acme" },
          { keyHash: secretHash(hex), tenant: "evil" },
        ],
      },
      {},
    );
    await expect(tenancyFromConfig(config, {})).rejects.toThrow(
      /keys\[1\]: expected each key once; keys\[0\] is the same key/,
    );
    await expect(tenancyFromConfig(config, {})).rejects.toBeInstanceOf(ConfigError);
  });

  it("treats prototype names as the unknown names they are, never as found", () => {
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      const target = errorOf(() =>
        parseConfig({ ...base, models: { m: { targets: [{ backend: name, model: "m" }] } } }, {}),
      );
      expect(target).toMatch(
        /models\.m\.targets\[0\]\.backend: expected one of the backends \(gpu\)/,
      );
      const allowed = errorOf(() =>
        parseConfig({ ...base, keys: [{ key: "tg-key-000001", tenant: "a", models: [name] }] }, {}),
      );
      expect(allowed).toMatch(/keys\[0\]\.models\[0\]: expected one of the models \(m\)/);
    }
    const spillover = errorOf(() =>
      parseConfig(
        {
          ...base,
          models: {
            m: {
              strategy: "spillover",
              targets: [
                { backend: "constructor", model: "m" },
                { backend: "gpu", model: "m" },
              ],
            },
          },
        },
        {},
      ),
    );
    expect(spillover).toMatch(/targets\[0\]\.backend/);
    // A "__proto__" key in the file is a key like any other: unknown, so an error.
    const proto = JSON.parse('{"backends":{},"models":{},"server":{"__proto__":{"auth":"none"}}}');
    expect(errorOf(() => parseConfig(proto, {}))).toMatch(/server/);
  });

  it("accepts only header-safe backend names", () => {
    for (const name of ["gpu-box", "emu.vllm_2", "A:b/c"]) {
      expect(() =>
        parseConfig(
          {
            backends: { [name]: backend },
            models: { m: { targets: [{ backend: name, model: "m" }] } },
          },
          {},
        ),
      ).not.toThrow();
    }
    for (const name of ["gpu box", "gpü", "gpu\u0000", "x".repeat(101), "\u4e91"]) {
      expect(errorOf(() => parseConfig({ backends: { [name]: backend }, models: {} }, {}))).toMatch(
        /x-thinkgate-backend header/,
      );
    }
  });

  it('keeps "$$" + "{NAME}" as a literal reference and reads only own environment entries', () => {
    const config = parseConfig(
      {
        ...base,
        backends: {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's own syntax
          gpu: { ...backend, params: { defaults: { stop: ["$${END}", "${END}", "a $${x} b"] } } },
        },
      },
      { END: "</s>" },
    );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal the escape stands for
    expect(config.backends.gpu?.params.defaults.stop).toEqual(["${END}", "</s>", "a ${x} b"]);
    for (const name of ["constructor", "toString", "__proto__"]) {
      expect(
        errorOf(() =>
          parseConfig({ ...base, backends: { gpu: { ...backend, apiKey: `\${${name}}` } } }, {}),
        ),
      ).toMatch(new RegExp(`expected environment variable ${name} to be set`));
    }
  });

  it('reserves the tenant "anonymous" and the key "anonymous", and holds tenants and ids to a plain alphabet', () => {
    expect(
      errorOf(() =>
        parseConfig({ ...base, keys: [{ key: "tg-key-000001", tenant: "anonymous" }] }, {}),
      ),
    ).toMatch(/keys\[0\]\.tenant: "anonymous" is reserved/);
    expect(
      errorOf(() => parseConfig({ ...base, keys: [{ key: "anonymous", tenant: "acme" }] }, {})),
    ).toMatch(/keys\[0\]\.key/);
    expect(
      errorOf(() => parseConfig({ ...base, keys: [{ key: "tg-key-000001", tenant: "a:b" }] }, {})),
    ).toMatch(/keys\[0\]\.tenant/);
    expect(
      errorOf(() =>
        parseConfig(
          { ...base, keys: [{ id: "__proto__", key: "tg-key-000001", tenant: "a" }] },
          {},
        ),
      ),
    ).toMatch(/keys\[0\]\.id/);
    expect(
      errorOf(() =>
        parseConfig(
          { ...base, keys: [{ id: "constructor", key: "tg-key-000001", tenant: "a" }] },
          {},
        ),
      ),
    ).toMatch(/keys\[0\]\.id: expected an id that is not a built-in name/);
  });

  it("reads the stale key bound and the public-without-auth switch", () => {
    const config = parseConfig(
      {
        ...base,
        server: { auth: "none", allowPublicWithoutAuth: true },
        store: { type: "memory", onUnavailable: { keys: "stale", maxStaleMs: 30000 } },
      },
      {},
    );
    expect(config.server.allowPublicWithoutAuth).toBe(true);
    expect(config.store.onUnavailable).toMatchObject({ keys: "stale", maxStaleMs: 30000 });
    expect(parseConfig(base, {}).server.allowPublicWithoutAuth).toBe(false);
  });
});

describe("parseJsonText", () => {
  it("names the line and column of a syntax error and never quotes the text", () => {
    const secret = "sk-live-0123456789abcdef";
    const cases: Array<[string, RegExp]> = [
      [`{"apiKey": ${secret}}`, /line 1, column 12/],
      [`{\n  "apiKey": "${secret}",\n}`, /line 3, column 1/],
      [`{"apiKey": "${secret}`, /ends too early/],
      [`{"apiKey": "${secret}\n"}`, /line 1, column 37/],
      [`["${secret}"] ${secret}`, /line 1, column 30/],
      [`${secret}`, /line 1, column 1/],
    ];
    for (const [text, where] of cases) {
      const message = errorOf(() => parseJsonText(text, "THINKGATE_CONFIG"));
      expect(message).toMatch(/^THINKGATE_CONFIG is not valid JSON: /);
      expect(message).toMatch(where);
      expect(message).not.toContain("sk-");
      expect(message).not.toContain("0123");
    }
    expect(parseJsonText('{"a": [1, "x", null]}', "x")).toEqual({ a: [1, "x", null] });
  });

  it("finds the error in a large text in linear time", () => {
    const time = (n: number) => {
      const text = `[${"[".repeat(n)}${"1,".repeat(n)}x`;
      const start = performance.now();
      errorOf(() => parseJsonText(text, "c"));
      return performance.now() - start;
    };
    time(1000);
    const small = Math.min(time(40_000), time(40_000));
    const large = Math.min(time(320_000), time(320_000));
    // 8× the input: linear is about 8× the time; quadratic would be 64×.
    expect(large / small).toBeLessThan(24);
  });
});
