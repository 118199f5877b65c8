import { ConfigError, createApp, parseConfig, parseJsonText } from "@thinkgate/gateway";
import { type Bindings, stringBindings } from "./bindings.js";
import { logRequest, logWarning } from "./log.js";
import { buildTenancy } from "./tenancy.js";

export type App = ReturnType<typeof createApp>;

/** The gateway an isolate serves, or why it cannot serve one. */
export type Gateway = { ok: true; app: App } | { ok: false; reason: string; final: boolean };

interface Cached {
  source: string | undefined;
  gateway: Promise<Gateway>;
}

// Parsing the config, hashing its keys and building the router happen once per isolate, not per
// request; the router's in-flight counts (spillover) must also outlive a request. A new config
// is a new deployment and so a new isolate, but comparing the source keeps `wrangler dev`'s
// reloads and tests honest.
let cached: Cached | undefined;

export function gatewayFor(env: Bindings): Promise<Gateway> {
  const source = env.THINKGATE_CONFIG;
  if (!cached || cached.source !== source) {
    const gateway = build(source, env);
    cached = { source, gateway };
    gateway.then((g) => {
      if (g.ok) return;
      logWarning({ msg: "config", ok: false, reason: g.reason });
      // A config error stays until the config changes; anything else is tried again next time.
      if (!g.final && cached?.gateway === gateway) cached = undefined;
    });
  }
  return cached.gateway;
}

async function build(source: string | undefined, env: Bindings): Promise<Gateway> {
  if (source === undefined || source.trim() === "") {
    return {
      ok: false,
      reason:
        "THINKGATE_CONFIG is not set: put the config file's JSON in it (wrangler secret put THINKGATE_CONFIG)",
      final: true,
    };
  }
  const vars = stringBindings(env);
  try {
    const config = parseConfig(parseJsonText(source, "THINKGATE_CONFIG"), vars);
    if (config.store.type === "redis") {
      return {
        ok: false,
        reason:
          'invalid config:\n  store.type: "redis" needs a TCP connection, which Workers do not have; use "upstash" (Redis over HTTPS)',
        final: true,
      };
    }
    if (config.server.auth === "none") {
      return {
        ok: false,
        reason:
          'invalid config:\n  server.auth: "none" is for loopback demos; a Worker is reachable from anywhere, so it needs keys',
        final: true,
      };
    }
    const tenancy = await buildTenancy(config, vars, logWarning);
    return { ok: true, app: createApp({ config, tenancy, log: logRequest }) };
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, reason: err.message, final: true };
    return { ok: false, reason: `the gateway could not start: ${String(err)}`, final: false };
  }
}
