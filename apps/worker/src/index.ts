import type { Bindings } from "./bindings.js";
import { misconfigured } from "./config-error.js";
import type { WorkerContext } from "./context.js";
import { type App, gatewayFor } from "./gateway.js";

type HonoContext = Parameters<App["fetch"]>[2];

/**
 * Thinkgate on Cloudflare Workers: the gateway built from the THINKGATE_CONFIG binding, served
 * as is. The request goes to the app untouched, so its signal (live with the
 * enable_request_signal flag) cancels the upstream call when the client disconnects, and the
 * context goes along so work after the response (usage, limit settlement) runs under waitUntil.
 */
export default {
  async fetch(request: Request, env: Bindings, ctx: WorkerContext): Promise<Response> {
    const gateway = await gatewayFor(env);
    if (!gateway.ok) return misconfigured().toResponse();
    return gateway.app.fetch(request, env, ctx as HonoContext);
  },

  /**
   * The Cron Trigger (wrangler.toml): builds the gateway so a broken config shows up as a failed
   * scheduled run in the dashboard, even on a Worker nobody is calling.
   */
  async scheduled(_controller: unknown, env: Bindings): Promise<void> {
    const gateway = await gatewayFor(env);
    if (!gateway.ok) throw new Error(gateway.reason);
  },
};
