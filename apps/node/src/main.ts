import { ConfigError, createGatewayMetrics } from "@thinkgate/gateway";
import { nodeTransport } from "@thinkgate/gateway/node";
import { loadConfigFile } from "./config-file.js";
import { withDemoBackend } from "./demo-backend.js";
import { embeddedDefault } from "./embedded-default.js";
import { stdoutLog } from "./log.js";
import { startServer } from "./server.js";
import { stopOnSignals } from "./signals.js";
import { buildTenancy } from "./tenancy.js";

// `pnpm start`: THINKGATE_CONFIG names the config file, PORT the port (default 8787). Without
// a config file: the embedded default. Notices go to stderr; stdout carries the request log.
const env = process.env;
const configPath = env.THINKGATE_CONFIG;

try {
  const port = Number(env.PORT ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT: expected a port number (0-65535), got "${env.PORT}"`);
  }
  const config = configPath ? await loadConfigFile(configPath, env) : embeddedDefault(env);
  const metrics = config.metrics.enabled
    ? createGatewayMetrics({ tenantLabels: config.metrics.tenantLabels })
    : undefined;
  const tenancy = await buildTenancy(config, env, metrics);
  const transport = nodeTransport();
  const server = await startServer({
    config,
    tenancy,
    port,
    log: stdoutLog,
    ...(metrics ? { metrics } : {}),
    adminToken: env.THINKGATE_ADMIN_TOKEN,
    fetch: configPath ? transport.fetch : withDemoBackend(transport.fetch),
  });
  stopOnSignals(server, async () => {
    await tenancy.close();
    await transport.close();
  });
  const models = Object.keys(config.models);
  const lines = [
    `thinkgate listening on ${server.url} (${configPath ? `config ${configPath}, ${config.store.type} store` : "embedded default: memory store, loopback only, no key required"})`,
    `  models: ${models.join(", ")}`,
    `  admin API: ${config.admin.token || env.THINKGATE_ADMIN_TOKEN ? "on" : "off (set THINKGATE_ADMIN_TOKEN or admin.token to manage keys and read usage)"}`,
    `  metrics: ${!metrics ? "off" : server.metricsUrl ? `${server.metricsUrl} (no token)` : config.admin.token || env.THINKGATE_ADMIN_TOKEN ? `${server.url}/metrics (admin token)` : "refused until an admin token is set (or give them a listener: metrics.listen)"}`,
  ];
  if (!configPath && !models.includes("qwq-32b")) {
    lines.push("  (set DASHSCOPE_API_KEY to also serve qwq-32b from DashScope)");
  }
  lines.push(
    "  try:",
    `  curl -N ${server.url}/v1/chat/completions -H 'content-type: application/json' \\`,
    `    ${config.server.auth === "keys" ? "-H 'authorization: Bearer <your key>' " : ""}-d '{"model":"${models.includes("qwq-32b") ? "qwq-32b" : (models[0] ?? "demo")}","stream":true,"messages":[{"role":"user","content":"9.9 or 9.11: which is larger?"}]}'`,
  );
  process.stderr.write(`${lines.join("\n")}\n`);
} catch (err) {
  // A bad config, a port in use, a store that cannot be reached: one line, exit code 1.
  const message =
    err instanceof ConfigError ? err.message : `cannot start: ${(err as Error).message ?? err}`;
  process.stderr.write(`thinkgate: ${message}\n`);
  process.exit(1);
}
