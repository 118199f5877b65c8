import type { StartContext, Started } from "./types.js";
import { UPSTREAM_MODEL, UPSTREAM_PREFIX } from "./types.js";

/** The floor: the load generator talks to the emulator itself. */
export async function startDirect(ctx: StartContext): Promise<Started> {
  return {
    ok: true,
    contender: {
      id: "direct",
      label: "Direct",
      version: "emulator",
      note: "no gateway: the floor every other figure is measured against",
      target: {
        origin: ctx.upstreamUrl,
        path: `${UPSTREAM_PREFIX}/chat/completions`,
        headers: { "content-type": "application/json" },
      },
      model: UPSTREAM_MODEL,
      cpuPids: () => [ctx.upstreamPid],
      stop: async () => {},
    },
  };
}
