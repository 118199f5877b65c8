import { Hono } from "hono";
import { cors } from "hono/cors";
import { adminAuth } from "./admin/admin-auth.js";
import { authenticate } from "./auth/authenticate.js";
import { indexConfigKeys } from "./auth/config-keys.js";
import { loopbackHostOnly } from "./auth/loopback.js";
import type { GatewayDeps } from "./deps.js";
import type { GatewayEnv } from "./env.js";
import { ApiError, errors } from "./errors/api-error.js";
import { clientSignal, watchClient } from "./http/client.js";
import { exposition } from "./observability/metrics-registry.js";
import { observe } from "./observability/middleware.js";
import { readyz } from "./observability/readiness.js";
import { createRouting } from "./router/index.js";
import { indexModels } from "./router/models.js";
import { chatCompletions } from "./routes/chat-completions.js";
import { listModels, retrieveModel } from "./routes/models.js";
import { clientGone } from "./upstream/call.js";
import { buildUpstreams } from "./upstream/upstreams.js";

/** The whole HTTP API. Everything derived from the config is built here, once. */
export function createApp(deps: GatewayDeps): Hono<GatewayEnv> {
  const { config, metrics } = deps;
  // Metrics count the limiter's refusals by the limit that said no; nothing else changes.
  const tenancy =
    metrics && deps.tenancy
      ? { ...deps.tenancy, limiter: metrics.countRefusals(deps.tenancy.limiter) }
      : deps.tenancy;
  const now = deps.now ?? Date.now;
  const upstreams = buildUpstreams(config);
  const fetchUpstream = deps.fetch ?? ((input, init) => fetch(input, init));
  const routing = createRouting(config, upstreams, {
    now,
    fetch: fetchUpstream,
    tenancy,
    log: deps.log,
    ...deps.routing,
  });
  if (metrics) {
    routing.inFlight = metrics.countInFlight(routing.inFlight);
    metrics.watchRouting(config, routing);
  }
  const configKeys = indexConfigKeys(config.keys);
  // An unhandled rejection here would surface on the first request instead; keep it quiet.
  configKeys.catch(() => {});

  const app = new Hono<GatewayEnv>();
  app.use(watchClient());
  app.use(observe(deps.log, metrics));
  if (config.server.auth === "none" && !config.server.allowPublicWithoutAuth) {
    app.use(loopbackHostOnly());
  }
  if (config.server.cors) app.use(cors(corsOptions(config.server.cors.origins)));
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get(
    "/readyz",
    readyz({ config, breakers: routing.breakers, store: tenancy?.store, storeTimeoutMs: 1000 }),
  );
  // With a listener of its own (config.metrics.listen) the host serves /metrics there instead.
  if (metrics && !config.metrics.listen) {
    app.get("/metrics", adminAuth(config.admin.token ?? deps.adminToken), (c) =>
      c.body(metrics.registry.render(), 200, { "content-type": exposition }),
    );
  }

  const auth = authenticate({ configKeys, tenancy, mode: config.server.auth, now });
  app.get("/v1/models", auth, listModels(config));
  app.get("/v1/models/:model{.+}", auth, retrieveModel(config));
  app.post(
    "/v1/chat/completions",
    auth,
    chatCompletions({
      maxBodyBytes: config.server.maxBodyBytes,
      models: indexModels(config),
      routing,
      fetch: fetchUpstream,
      now,
      tenancy,
      waitUntil: deps.waitUntil,
    }),
  );
  if (tenancy?.routes) app.route("/", tenancy.routes);

  app.notFound((c) => errors.routeNotFound(c.req.method, c.req.path).toResponse());
  app.onError((err, c) => {
    const trace = c.get("trace");
    if (err instanceof ApiError) {
      if (trace) trace.errorCode = err.body.code;
      return err.toResponse();
    }
    // The client left mid-request (a chunked upload cut short fails inside the body limit):
    // its doing, not ours. What broke is still logged.
    if (clientSignal(c).aborted) {
      if (trace) {
        trace.errorCode = "client_closed_request";
        trace.internalError = `${err.name}: ${err.message}`.slice(0, 300);
      }
      return clientGone().toResponse();
    }
    // A bug of ours: the client gets a plain 500, the log line says what broke.
    if (trace) {
      trace.errorCode = "internal_error";
      trace.internalError = `${err.name}: ${err.message}`.slice(0, 300);
    }
    return errors.internal().toResponse();
  });
  return app;
}

/** Headers a page must be able to read: request id, backend, limits, timing. */
const exposedHeaders = [
  "x-request-id",
  "x-thinkgate-backend",
  "server-timing",
  "retry-after",
  "x-ratelimit-limit-requests",
  "x-ratelimit-remaining-requests",
  "x-ratelimit-reset-requests",
  "x-ratelimit-limit-tokens",
  "x-ratelimit-remaining-tokens",
  "x-ratelimit-reset-tokens",
];

function corsOptions(origins: string[]) {
  return {
    origin: origins.includes("*") ? "*" : origins,
    allowMethods: ["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
    allowHeaders: ["authorization", "content-type", "x-request-id"],
    exposeHeaders: exposedHeaders,
    maxAge: 600,
  };
}
