// The OpenAPI 3.1 description of the admin API and /v1/usage, served at /openapi.json.

const error = { $ref: "#/components/responses/Error" };
const json = (schema: unknown) => ({ "application/json": { schema } });
const idParam = { name: "id", in: "path", required: true, schema: { type: "string" } };
const dayParam = (name: string, description: string) => ({
  name,
  in: "query",
  required: false,
  description,
  schema: { type: "string", format: "date" },
});

const limits = {
  type: "object",
  additionalProperties: false,
  properties: {
    rpm: { type: "integer", minimum: 1, description: "Requests per minute (sliding window)." },
    tpm: {
      type: "integer",
      minimum: 1,
      description: "Tokens per minute, prompt + completion, reasoning included.",
    },
    concurrency: { type: "integer", minimum: 1, description: "Requests in flight at once." },
  },
};

const instant = {
  oneOf: [
    { type: "integer", description: "Epoch milliseconds." },
    { type: "string", format: "date-time" },
  ],
};

const counts = {
  type: "object",
  required: [
    "requests",
    "prompt_tokens",
    "completion_tokens",
    "reasoning_tokens",
    "total_tokens",
    "errors",
  ],
  properties: {
    requests: { type: "integer" },
    prompt_tokens: { type: "integer" },
    completion_tokens: { type: "integer", description: "Reasoning tokens included." },
    reasoning_tokens: { type: "integer" },
    total_tokens: { type: "integer" },
    errors: { type: "integer", description: "Requests that ended in an error." },
  },
};

export const openApiDocument = {
  openapi: "3.1.0",
  info: {
    title: "Thinkgate admin and usage API",
    version: "1.0.0",
    description:
      "API keys, limits and usage of a Thinkgate gateway. /admin/* takes the admin token " +
      "(`Authorization: Bearer <admin token>`); /v1/usage takes an API key and shows only its " +
      "own tenant's usage. Errors use OpenAI's shape.",
  },
  components: {
    securitySchemes: {
      adminToken: { type: "http", scheme: "bearer", description: "The gateway's admin token." },
      apiKey: { type: "http", scheme: "bearer", description: "A Thinkgate API key (tg-…)." },
    },
    schemas: {
      Limits: limits,
      ApiKey: {
        type: "object",
        required: ["object", "id", "tenant", "source", "created_at"],
        properties: {
          object: { const: "api_key" },
          id: { type: "string" },
          tenant: { type: "string" },
          name: { type: ["string", "null"] },
          models: { type: ["array", "null"], items: { type: "string" } },
          limits: { oneOf: [{ $ref: "#/components/schemas/Limits" }, { type: "null" }] },
          tags: { type: ["array", "null"], items: { type: "string" } },
          source: { enum: ["config", "store"] },
          created_at: { type: "string", format: "date-time" },
          expires_at: { type: ["string", "null"], format: "date-time" },
          revoked_at: { type: ["string", "null"], format: "date-time" },
        },
      },
      NewApiKey: {
        allOf: [
          { $ref: "#/components/schemas/ApiKey" },
          {
            type: "object",
            required: ["key"],
            properties: { key: { type: "string", description: "The secret. Shown only here." } },
          },
        ],
      },
      CreateKey: {
        type: "object",
        additionalProperties: false,
        required: ["tenant"],
        properties: {
          tenant: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$" },
          name: { type: "string" },
          models: {
            type: "array",
            items: { type: "string" },
            description: "Allowlist; absent: all.",
          },
          limits: { $ref: "#/components/schemas/Limits" },
          tags: { type: "array", items: { type: "string" }, description: "Backend tags allowed." },
          expiresAt: instant,
        },
      },
      UpdateKey: {
        type: "object",
        additionalProperties: false,
        description: "Fields to change; null clears one.",
        properties: {
          name: { type: ["string", "null"] },
          models: { type: ["array", "null"], items: { type: "string" } },
          limits: { oneOf: [{ $ref: "#/components/schemas/Limits" }, { type: "null" }] },
          tags: { type: ["array", "null"], items: { type: "string" } },
          expiresAt: { oneOf: [instant, { type: "null" }] },
        },
      },
      UsageCounts: counts,
      Usage: {
        type: "object",
        required: ["object", "tenant", "from", "to", "totals", "days"],
        properties: {
          object: { const: "usage" },
          tenant: { type: "string" },
          from: { type: "string", format: "date" },
          to: { type: "string", format: "date" },
          totals: { $ref: "#/components/schemas/UsageCounts" },
          days: {
            type: "array",
            items: {
              type: "object",
              required: ["day", "totals", "keys"],
              properties: {
                day: { type: "string", format: "date" },
                totals: { $ref: "#/components/schemas/UsageCounts" },
                keys: {
                  type: "object",
                  additionalProperties: { $ref: "#/components/schemas/UsageCounts" },
                },
              },
            },
          },
        },
      },
      Error: {
        type: "object",
        required: ["error"],
        properties: {
          error: {
            type: "object",
            required: ["message", "type", "param", "code"],
            properties: {
              message: { type: "string" },
              type: { type: "string" },
              param: { type: ["string", "null"] },
              code: { type: ["string", "null"] },
            },
          },
        },
      },
    },
    responses: {
      Error: {
        description: "An error in OpenAI's shape.",
        content: json({ $ref: "#/components/schemas/Error" }),
      },
    },
  },
  paths: {
    "/admin/keys": {
      post: {
        summary: "Create an API key",
        security: [{ adminToken: [] }],
        requestBody: { required: true, content: json({ $ref: "#/components/schemas/CreateKey" }) },
        responses: {
          "201": {
            description: "The key, with its secret (shown once).",
            content: json({ $ref: "#/components/schemas/NewApiKey" }),
          },
          "400": error,
          "401": error,
          "413": error,
          "503": error,
        },
      },
      get: {
        summary: "List API keys (no secrets)",
        security: [{ adminToken: [] }],
        parameters: [{ name: "tenant", in: "query", required: false, schema: { type: "string" } }],
        responses: {
          "200": {
            description: "Config and store keys.",
            content: json({
              type: "object",
              properties: {
                object: { const: "list" },
                data: { type: "array", items: { $ref: "#/components/schemas/ApiKey" } },
              },
            }),
          },
          "401": error,
          "503": error,
        },
      },
    },
    "/admin/keys/{id}": {
      parameters: [idParam],
      get: {
        summary: "Read an API key",
        security: [{ adminToken: [] }],
        responses: {
          "200": {
            description: "The key.",
            content: json({ $ref: "#/components/schemas/ApiKey" }),
          },
          "401": error,
          "404": error,
        },
      },
      patch: {
        summary: "Change a key's name, models, limits, tags or expiry",
        security: [{ adminToken: [] }],
        requestBody: { required: true, content: json({ $ref: "#/components/schemas/UpdateKey" }) },
        responses: {
          "200": {
            description: "The key.",
            content: json({ $ref: "#/components/schemas/ApiKey" }),
          },
          "400": error,
          "401": error,
          "404": error,
          "409": error,
          "413": error,
        },
      },
      delete: {
        summary:
          "Revoke a key (it stops working at once on this instance, within seconds elsewhere)",
        security: [{ adminToken: [] }],
        responses: {
          "200": {
            description: "The revoked key.",
            content: json({ $ref: "#/components/schemas/ApiKey" }),
          },
          "401": error,
          "404": error,
          "409": error,
        },
      },
    },
    "/admin/usage": {
      get: {
        summary: "A tenant's usage per UTC day, per key",
        security: [{ adminToken: [] }],
        parameters: [
          { name: "tenant", in: "query", required: true, schema: { type: "string" } },
          { name: "key", in: "query", required: false, schema: { type: "string" } },
          dayParam("from", "First day (default: `to`)."),
          dayParam("to", "Last day, inclusive (default: today, UTC). At most 366 days."),
        ],
        responses: {
          "200": { description: "Usage.", content: json({ $ref: "#/components/schemas/Usage" }) },
          "400": error,
          "401": error,
          "503": error,
        },
      },
    },
    "/v1/usage": {
      get: {
        summary: "The calling key's tenant's usage per UTC day (at most 60 reads a minute per key)",
        security: [{ apiKey: [] }],
        parameters: [
          { name: "key", in: "query", required: false, schema: { type: "string" } },
          dayParam("from", "First day (default: `to`)."),
          dayParam("to", "Last day, inclusive (default: today, UTC). At most 366 days."),
        ],
        responses: {
          "200": { description: "Usage.", content: json({ $ref: "#/components/schemas/Usage" }) },
          "400": error,
          "401": error,
          "403": error,
          "429": error,
          "503": error,
        },
      },
    },
  },
} as const;
