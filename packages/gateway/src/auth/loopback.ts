import type { MiddlewareHandler } from "hono";
import type { GatewayEnv } from "../env.js";
import { ApiError } from "../errors/api-error.js";

/** An address to listen on that only this machine can reach. */
export function isLoopbackAddress(host: string): boolean {
  const h = host.toLowerCase();
  return (
    h === "localhost" ||
    h === "::1" ||
    h === "[::1]" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) ||
    /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
  );
}

/** `Host` values a page on this machine uses to reach a loopback server, port optional. */
const loopbackHost = /^(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/i;

/**
 * For `auth: "none"`: answers only requests addressed to a loopback name. A web page can point
 * a DNS name it controls at 127.0.0.1 (DNS rebinding) and then call the gateway as its own
 * origin; its requests carry that name in `Host`, so they are refused here.
 */
export function loopbackHostOnly(): MiddlewareHandler<GatewayEnv> {
  return async function loopbackHostOnly(c, next) {
    const host = c.req.header("host") ?? new URL(c.req.url).host;
    if (!loopbackHost.test(host)) {
      throw new ApiError(403, {
        message: `This gateway runs without API keys (server.auth "none") and answers only requests addressed to localhost, 127.0.0.1 or [::1], not to ${JSON.stringify(host.slice(0, 100))}.`,
        type: "permission_error",
        param: null,
        code: "host_not_allowed",
      });
    }
    await next();
  };
}
