import { z } from "zod";
import { modelRoutingFields, routingSchema } from "../router/routing-schema.js";
import { ANONYMOUS_TENANT, backendName, keyId, keyTenantName } from "./names.js";

// The config file's shape (design.md, "Configuration"), in zod. Objects are strict wherever a
// typo would silently misconfigure the gateway: an unknown key is an error, not a no-op.

const MiB = 1024 * 1024;

const positiveInt = z.number().int().positive();
const httpUrl = z.url({ protocol: /^https?$/, error: "expected an http(s) URL" });
const sha256Hash = z
  .string()
  .regex(/^sha256:[0-9a-f]{64}$/, 'expected "sha256:" followed by 64 lowercase hex digits');

export const limitsSchema = z.strictObject({
  rpm: positiveInt.optional(),
  tpm: positiveInt.optional(),
  concurrency: positiveInt.optional(),
});

/** How an upstream wants parameters adjusted: renames and drops for what it rejects. */
const paramsSchema = z.strictObject({
  rename: z.record(z.string(), z.string()).default({}),
  drop: z.array(z.string()).default([]),
  /** Set only when the request did not. */
  defaults: z.record(z.string(), z.unknown()).default({}),
});

const historyReasoning = z.enum(["strip", "keep"]);

/**
 * What a backend accepts from clients beyond the schema (upstream/request-policy.ts). The
 * defaults close what lets one tenant reach into the GPU network or crash a shared engine,
 * and keep what applications legitimately send (images to a VL model, as data: URLs).
 */
const defaultDeniedFields = [
  "chat_template",
  "guided_regex",
  "guided_grammar",
  "guided_decoding_backend",
  "structured_outputs",
  "logits_processors",
];
const policySchema = (mediaHosts: string[]) =>
  z
    .strictObject({
      /** Only these top-level fields (besides model, messages, stream…); absent: any not denied. */
      allowFields: z.array(z.string().min(1)).optional(),
      denyFields: z.array(z.string().min(1)).default(defaultDeniedFields),
      contentParts: z
        .array(z.string().min(1))
        .default(["text", "image_url", "input_audio", "video_url", "audio_url"]),
      /** Hosts an http(s) media URL may name (`"*"`: any); `data:` URLs are always accepted. */
      mediaHosts: z.array(z.string().min(1)).default(mediaHosts),
    })
    .prefault({});

const backendCommon = {
  apiKey: z.string().min(1).optional(),
  reasoning: z.enum(["auto", "think-open"]).default("auto"),
  maxConcurrency: positiveInt.optional(),
  /**
   * Spillover: of maxConcurrency, slots only requests with no later target may take (keys
   * pinned to this backend's tags, or the model's last target). Default: an eighth, rounded down.
   */
  reservedConcurrency: z.number().int().nonnegative().optional(),
  /** Until the upstream's response headers and first bytes; past it the next target is tried. */
  firstByteTimeoutMs: positiveInt.default(60_000),
  /** Longest silence between two upstream chunks once streaming. */
  idleTimeoutMs: positiveInt.default(60_000),
  /** Longest one answer's stream may last; past it the stream is cut with an error event. */
  maxStreamMs: positiveInt.default(30 * 60_000),
  /** Most text one answer's stream may carry (bounds aggregation and continuation too). */
  maxOutputChars: positiveInt.default(4_000_000),
  headers: z.record(z.string(), z.string()).default({}),
  params: paramsSchema.default({ rename: {}, drop: [], defaults: {} }),
  historyReasoning: historyReasoning.default("strip"),
  tags: z.array(z.string()).default([]),
  /** How this backend continues an answer another one broke off mid-stream (none: it cannot). */
  continuation: z.enum(["none", "continue-final-message", "partial-mode"]).default("none"),
  /** Self-hosted servers fetch media URLs from inside the GPU network: data: URLs only. */
  policy: policySchema([]),
};

/**
 * The field a backend's adapter sends the output budget in (upstream/*.ts) may be renamed, not
 * dropped: the tpm reservation assumes the upstream is told the budget.
 */
function keepsOutputBudget(field: string) {
  return (
    backend: { params: { rename: Record<string, string>; drop: string[] } },
    ctx: z.RefinementCtx,
  ) => {
    const sent = Object.hasOwn(backend.params.rename, field)
      ? backend.params.rename[field]!
      : field;
    if (backend.params.drop.includes(sent)) {
      ctx.addIssue({
        code: "custom",
        path: ["params", "drop"],
        message: `"${sent}" carries the request's output budget, which the tpm reservation relies on; rename it if the backend wants another name, but it cannot be dropped`,
      });
    }
  };
}

const dashscopeBackend = z
  .strictObject({
    type: z.literal("dashscope"),
    /** intl: dashscope-intl.aliyuncs.com; mainland: dashscope.aliyuncs.com. baseUrl wins. */
    region: z.enum(["intl", "mainland"]).default("intl"),
    baseUrl: httpUrl.optional(),
    ...backendCommon,
    apiKey: z.string().min(1, "expected the DashScope API key"),
    /** DashScope fetches media URLs from Alibaba's network, not ours: any host. */
    policy: policySchema(["*"]),
  })
  .superRefine(keepsOutputBudget("max_completion_tokens"));

const openaiCompatibleBackend = z
  .strictObject({
    type: z.literal("openai-compatible"),
    baseUrl: httpUrl,
    ...backendCommon,
  })
  .superRefine(keepsOutputBudget("max_tokens"));

export const backendSchema = z.discriminatedUnion(
  "type",
  [dashscopeBackend, openaiCompatibleBackend],
  {
    error: 'expected "type" to be "dashscope" or "openai-compatible"',
  },
);

const targetSchema = z.strictObject({
  backend: z.string().min(1),
  /** The model name the backend knows. */
  model: z.string().min(1),
  weight: z.number().positive().optional(),
  maxConcurrency: positiveInt.optional(),
});

const modelSchema = z.strictObject({
  strategy: z.enum(["fallback", "weighted", "spillover"]).default("fallback"),
  targets: z.array(targetSchema).min(1, "expected at least one target"),
  aliases: z.array(z.string().min(1)).default([]),
  /** Overrides the backends' historyReasoning for this model. */
  historyReasoning: historyReasoning.optional(),
  tags: z.array(z.string()).default([]),
  ...modelRoutingFields,
  /**
   * Completion tokens (reasoning included) a request may generate when it asks for none; within
   * `maxTokens`. Default 32,768. Always sent upstream, and reserved against the key's tpm.
   */
  defaultMaxTokens: positiveInt.optional(),
  /** The largest `n` (and `best_of`) a request may ask; each choice is a whole generation. */
  maxN: positiveInt.default(1),
});

const keySchema = z
  .strictObject({
    id: keyId.optional(),
    key: z
      .string()
      .min(8, "expected a key of at least 8 characters")
      .refine((k) => k !== ANONYMOUS_TENANT, {
        message: `"${ANONYMOUS_TENANT}" stands for no key under server.auth "none"; choose another key`,
      })
      .optional(),
    keyHash: sha256Hash.optional(),
    tenant: keyTenantName,
    name: z.string().optional(),
    models: z.array(z.string()).optional(),
    limits: limitsSchema.optional(),
    tags: z.array(z.string()).optional(),
  })
  .refine((k) => (k.key === undefined) !== (k.keyHash === undefined), {
    message: 'expected exactly one of "key" or "keyHash"',
  });

/** What an unreachable store means (packages/gateway/src/tenancy/README.md). */
const onUnavailableSchema = z.strictObject({
  /** "reject": a key only the store knows is refused (503); "stale": keys seen before still work. */
  keys: z.enum(["reject", "stale"]).default("reject"),
  /**
   * "stale": a key serves only if the store confirmed it within this long (a key revoked
   * meanwhile stops working once it passes). Default 100 s, ten times the key cache's 10 s.
   */
  maxStaleMs: positiveInt.optional(),
  /** "open": requests run unlimited, with a warning in the log; "closed": 503. */
  limits: z.enum(["open", "closed"]).default("open"),
});

const storeCommon = {
  onUnavailable: onUnavailableSchema.optional(),
  /**
   * How long one store call may take before the store counts as unavailable for it (then
   * `onUnavailable` decides). Default 1000 ms; a store across a region (Upstash) may need more.
   */
  timeoutMs: positiveInt.optional(),
};

const storeSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("memory"), ...storeCommon }),
    z.strictObject({ type: z.literal("redis"), url: z.string().min(1), ...storeCommon }),
    z.strictObject({
      type: z.literal("upstash"),
      url: httpUrl,
      token: z.string().min(1),
      ...storeCommon,
    }),
  ],
  { error: 'expected "type" to be "memory", "redis" or "upstash"' },
);

/** The admin token's shortest length, from the config file or the environment alike. */
export const ADMIN_TOKEN_MIN_LENGTH = 16;

const adminSchema = z.strictObject({
  /** Bearer token of /admin/*. Absent: the admin API refuses every request. */
  token: z
    .string()
    .min(
      ADMIN_TOKEN_MIN_LENGTH,
      `expected an admin token of at least ${ADMIN_TOKEN_MIN_LENGTH} characters`,
    )
    .optional(),
});

/** Browsers calling the gateway directly (the SDK in a page). Off unless configured. */
const corsSchema = z.strictObject({
  origins: z.array(z.string().min(1)).min(1, 'expected at least one origin, or ["*"]'),
});

const serverSchema = z.strictObject({
  /** Node only: the address to listen on. Loopback unless said otherwise. */
  host: z.string().min(1).default("127.0.0.1"),
  maxBodyBytes: positiveInt.default(2 * MiB),
  /** "none" accepts requests without a key (loopback demos); "keys" requires one. */
  auth: z.enum(["keys", "none"]).default("keys"),
  /**
   * "none" on an address other than loopback, and requests addressed to any host name: anyone
   * who can reach the gateway spends its backends. Off unless set.
   */
  allowPublicWithoutAuth: z.boolean().default(false),
  cors: corsSchema.optional(),
});

/**
 * Prometheus metrics (docs/metrics.md), Node only. Without `listen`, GET /metrics is on the
 * gateway's port behind the admin token; with it, on a listener of its own without a token
 * (keep that one on a private address).
 */
const metricsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  listen: z
    .strictObject({
      host: z.string().min(1).default("127.0.0.1"),
      port: z.number().int().min(0).max(65535),
    })
    .optional(),
  /** A `tenant` label on request and token metrics: one series per tenant, so opt in. */
  tenantLabels: z.boolean().default(false),
});

export const configSchema = z
  .strictObject({
    server: serverSchema.default({
      host: "127.0.0.1",
      maxBodyBytes: 2 * MiB,
      auth: "keys",
      allowPublicWithoutAuth: false,
    }),
    store: storeSchema.default({ type: "memory" }),
    admin: adminSchema.default({}),
    backends: z.record(z.string().min(1), backendSchema),
    models: z.record(z.string().min(1), modelSchema),
    keys: z.array(keySchema).default([]),
    routing: routingSchema.prefault({}),
    metrics: metricsSchema.prefault({}),
  })
  .superRefine((config, ctx) => {
    for (const name of Object.keys(config.backends)) {
      const named = backendName.safeParse(name);
      if (!named.success) {
        ctx.addIssue({
          code: "custom",
          path: ["backends", name],
          message: named.error.issues[0]?.message ?? "expected a header-safe name",
        });
      }
    }
    // References between sections: a typo here would only show up as a failed request later.
    const publicNames = new Set<string>(Object.keys(config.models));
    for (const [name, model] of Object.entries(config.models)) {
      model.targets.forEach((target, i) => {
        if (!Object.hasOwn(config.backends, target.backend)) {
          ctx.addIssue({
            code: "custom",
            path: ["models", name, "targets", i, "backend"],
            message: `expected one of the backends (${Object.keys(config.backends).join(", ")}), got "${target.backend}"`,
          });
        }
      });
      if (model.strategy === "spillover") {
        // Every target but the last needs a limit to spill over from; without one, spillover
        // would silently behave as fallback.
        model.targets.slice(0, -1).forEach((target, i) => {
          const known = Object.hasOwn(config.backends, target.backend);
          const limit =
            target.maxConcurrency ??
            (known ? config.backends[target.backend]?.maxConcurrency : undefined);
          if (limit === undefined && known) {
            ctx.addIssue({
              code: "custom",
              path: ["models", name, "targets", i, "maxConcurrency"],
              message: `expected a maxConcurrency on this target or on backend "${target.backend}" (strategy "spillover")`,
            });
          }
        });
      }
      model.aliases.forEach((alias, i) => {
        if (publicNames.has(alias)) {
          ctx.addIssue({
            code: "custom",
            path: ["models", name, "aliases", i],
            message: `expected a name not already used by a model or alias, got "${alias}"`,
          });
        }
        publicNames.add(alias);
      });
    }
    // A key written twice would silently take the last entry's tenant and limits.
    const seen = { key: new Map<string, number>(), keyHash: new Map<string, number>() };
    const ids = new Map<string, number>();
    config.keys.forEach((key, i) => {
      for (const field of ["key", "keyHash"] as const) {
        const value = key[field];
        if (value === undefined) continue;
        const first = seen[field].get(value);
        if (first !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["keys", i, field],
            message: `expected each key once; this one is also keys[${first}].${field}`,
          });
        } else seen[field].set(value, i);
      }
      if (key.id !== undefined) {
        const first = ids.get(key.id);
        if (first !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["keys", i, "id"],
            message: `expected a unique id; "${key.id}" is also keys[${first}].id`,
          });
        } else ids.set(key.id, i);
      }
      key.models?.forEach((model, j) => {
        if (!Object.hasOwn(config.models, model)) {
          ctx.addIssue({
            code: "custom",
            path: ["keys", i, "models", j],
            message: `expected one of the models (${Object.keys(config.models).join(", ")}), got "${model}"`,
          });
        }
      });
    });
  });

export type Config = z.output<typeof configSchema>;
export type BackendConfig = Config["backends"][string];
export type ModelConfig = Config["models"][string];
export type TargetConfig = ModelConfig["targets"][number];
export type KeyConfig = Config["keys"][number];
export type StoreConfig = Config["store"];
/** What a config file may say (defaults not yet applied). */
export type ConfigInput = z.input<typeof configSchema>;
