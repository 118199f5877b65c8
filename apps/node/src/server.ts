import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { ConfigError, createApp, type GatewayDeps, isLoopbackAddress } from "@thinkgate/gateway";
import { type DirectBody, nodeTransport } from "@thinkgate/gateway/node";

export interface RunningServer {
  url: string;
  port: number;
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
  const app = createApp({
    ...deps,
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
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: fetchDirect(app), port, hostname, serverOptions }, () => resolve(s));
    s.once("error", reject);
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    close: (graceMs = 0) =>
      new Promise<void>((resolve) => {
        probes.abort();
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
