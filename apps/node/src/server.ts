import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import {
  ConfigError,
  createApp,
  createGatewayMetrics,
  exposition,
  type GatewayDeps,
  type GatewayMetrics,
  isLoopbackAddress,
} from "@thinkgate/gateway";
import { type DirectBody, nodeTransport } from "@thinkgate/gateway/node";

export interface RunningServer {
  url: string;
  port: number;
  /** The metrics listener's URL (its /metrics), when config.metrics.listen gives it one. */
  metricsUrl?: string;
  /**
   * Stops accepting connections, lets requests in flight finish for up to `graceMs`, then
   * closes what is left (their upstream requests are aborted with them).
   */
  close(graceMs?: number): Promise<void>;
}

export interface ServerOptions extends GatewayDeps {
  /** 0 picks a free port. */
  port: number;
  /** Default: the config's server.host. */
  host?: string;
  /**
   * A client must have sent its whole request, body included, within this (else 408 and the
   * connection is closed). Default 30 s: a stalled or trickling upload (slow loris) never holds
   * a connection and its buffers for long. Responses are not limited: streams run for minutes.
   */
  requestTimeoutMs?: number;
  /** Its headers within this. Default 10 s, never more than requestTimeoutMs. */
  headersTimeoutMs?: number;
}

/**
 * The gateway on a Node HTTP server. @hono/node-server aborts `c.req.raw.signal` when the
 * client's connection closes and cancels the response body; the gateway hands both on to the
 * upstream fetch, so a client that leaves stops the upstream at once.
 */
const runAfterResponse = (_work: Promise<unknown>): void => {};

/**
 * app.fetch with a slot per request through which the gateway writes streaming bodies straight
 * to the connection (see DirectBody): once the app's response is final (every middleware has
 * added its headers), a waiting writer is handed the response's status and headers, and the
 * adapter is told the response went out.
 */
function fetchDirect(app: ReturnType<typeof createApp>) {
  return (req: Request, env: object): Response | Promise<Response> => {
    const slot: DirectBody = {};
    const finish = (res: Response): Response => {
      if (!slot.send) return res;
      if (res.status !== 200) {
        slot.abandon?.();
        return res;
      }
      slot.send(res.status, res.headers);
      return RESPONSE_ALREADY_SENT;
    };
    const res = app.fetch(req, { ...env, thinkgateDirect: slot });
    return res instanceof Promise ? res.then(finish) : finish(res);
  };
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { port, host, requestTimeoutMs = 30_000, headersTimeoutMs = 10_000, ...deps } = options;
  const hostname = host ?? deps.config.server.host;
  refusePublicWithoutAuth(deps.config.server, hostname);
  // Active health probes (config.routing.healthCheck) run on a timer for as long as the server
  // does; Workers have no timer and learn health from traffic only.
  const probes = new AbortController();
  // Upstream calls on undici's dispatcher (see nodeTransport) unless the caller brings its own.
  const transport = deps.fetch ? undefined : nodeTransport();
  const metrics =
    deps.metrics ??
    (deps.config.metrics.enabled
      ? createGatewayMetrics({ tenantLabels: deps.config.metrics.tenantLabels })
      : undefined);
  const app = createApp({
    ...deps,
    ...(metrics ? { metrics } : {}),
    fetch: deps.fetch ?? transport?.fetch,
    // Node has no execution context: work after the response simply runs. Saying so here spares
    // the gateway from asking Hono for one, which throws (an Error with a stack) per request.
    waitUntil: deps.waitUntil ?? runAfterResponse,
    routing: { ...deps.routing, healthChecks: deps.routing?.healthChecks ?? probes.signal },
  });
  const headersTimeout = Math.min(headersTimeoutMs, requestTimeoutMs);
  const serverOptions = {
    requestTimeout: requestTimeoutMs,
    headersTimeout,
    // Node enforces both only when this timer runs (default every 30 s): check often enough
    // that they mean what they say.
    connectionsCheckingInterval: Math.max(10, Math.min(1000, headersTimeout / 4)),
  };
  const server = await listen(fetchDirect(app), port, hostname, serverOptions);
  const listenMetrics = metrics && deps.config.metrics.listen;
  let metricsServer: NodeServer | undefined;
  if (listenMetrics) {
    try {
      metricsServer = await listen(
        metricsOnly(metrics),
        listenMetrics.port,
        listenMetrics.host,
        serverOptions,
      );
    } catch (err) {
      probes.abort();
      server.close();
      throw err;
    }
  }
  return {
    url: urlOf(server),
    port: (server.address() as AddressInfo).port,
    ...(metricsServer ? { metricsUrl: `${urlOf(metricsServer)}/metrics` } : {}),
    close: (graceMs = 0) =>
      new Promise<void>((resolve) => {
        probes.abort();
        metricsServer?.close();
        (metricsServer as Partial<Pick<Server, "closeAllConnections">>)?.closeAllConnections?.();
        const http = server as Partial<
          Pick<Server, "closeAllConnections" | "closeIdleConnections">
        >;
        const cut = setTimeout(() => http.closeAllConnections?.(), graceMs);
        server.close(() => {
          clearTimeout(cut);
          if (transport)
            transport.close().then(
              () => resolve(),
              () => resolve(),
            );
          else resolve();
        });
        http.closeIdleConnections?.();
        if (graceMs === 0) http.closeAllConnections?.();
      }),
  };
}

/**
 * `auth: "none"` serves anyone who can connect, with the operator's backend credentials: on an
 * address other than loopback that takes `server.allowPublicWithoutAuth`, said on purpose.
 */
function refusePublicWithoutAuth(server: GatewayDeps["config"]["server"], hostname: string): void {
  if (server.auth !== "none" || server.allowPublicWithoutAuth || isLoopbackAddress(hostname))
    return;
  throw new ConfigError(
    `invalid config:\n  server.auth: "none" lets anyone who can reach ${hostname} use the backends without a key; listen on loopback (server.host "127.0.0.1"), use keys (server.auth "keys"), or set server.allowPublicWithoutAuth to true if that is really meant`,
  );
}

type NodeServer = ReturnType<typeof serve>;

function listen(
  fetch: (req: Request, env: object) => Response | Promise<Response>,
  port: number,
  hostname: string,
  serverOptions: object,
): Promise<NodeServer> {
  return new Promise<NodeServer>((resolve, reject) => {
    const s = serve({ fetch, port, hostname, serverOptions }, () => resolve(s));
    s.once("error", reject);
  });
}

function urlOf(server: NodeServer): string {
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${shownHost}:${address.port}`;
}

/**
 * The metrics listener (config.metrics.listen): GET /metrics and nothing else, no token. It is
 * meant for a private address that only Prometheus reaches.
 */
function metricsOnly(metrics: GatewayMetrics) {
  return (req: Request): Response => {
    const path = new URL(req.url).pathname;
    if (req.method === "GET" && path === "/metrics") {
      return new Response(metrics.registry.render(), { headers: { "content-type": exposition } });
    }
    return new Response("not found\n", { status: 404 });
  };
}
