import type { Trace } from "./observability/trace.js";
import type { Principal } from "./store/types.js";

/** The Hono environment of the gateway: what each step hands to the next. */
export interface GatewayEnv {
  Variables: {
    trace: Trace;
    principal: Principal;
    /** The client has gone (http/client.ts). */
    clientSignal: AbortSignal;
  };
}
