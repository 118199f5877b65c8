import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createApp, type GatewayDeps } from "@thinkgate/gateway";

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface ServerOptions extends GatewayDeps {
  /** 0 picks a free port. */
  port: number;
  /** Default: the config's server.host. */
  host?: string;
}

/**
 * The gateway on a Node HTTP server. @hono/node-server aborts `c.req.raw.signal` when the
 * client's connection closes and cancels the response body; the gateway hands both on to the
 * upstream fetch, so a client that leaves stops the upstream at once.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { port, host, ...deps } = options;
  const app = createApp(deps);
  const hostname = host ?? deps.config.server.host;
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port, hostname }, () => resolve(s));
    s.once("error", reject);
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Streams in flight end now: their upstream requests are aborted with them.
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}
