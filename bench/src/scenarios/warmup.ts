import { chatBody } from "./bodies.js";
import type { RunContext } from "./context.js";
import { SMALL_ANSWER_TOKENS } from "./sequential.js";

/**
 * Before any measurement, every contender the same (direct too): a few connections send a fixed
 * number of non-streaming requests, then a few unpaced streams run for a while (Mode.warmup).
 * Nothing is kept but the counts.
 */
export async function warmUp(ctx: RunContext): Promise<Record<string, unknown>> {
  const w = ctx.mode.warmup;
  const done: Record<string, unknown> = {};
  for (const c of ctx.contenders) {
    ctx.progress(`warm-up: ${c.label}`);
    const plain = await ctx.load.run({
      kind: "closed-loop",
      target: c.target,
      body: chatBody(c.model, false, SMALL_ANSWER_TOKENS),
      connections: w.connections,
      warmupMs: 0,
      durationMs: w.maxMs,
      maxRequests: w.requests,
    });
    const streamed = await ctx.load.run({
      kind: "streams",
      target: c.target,
      body: chatBody(c.model, true, w.streamTokens),
      concurrency: w.streams,
      warmupMs: 0,
      durationMs: w.streamingMs,
    });
    done[c.id] = {
      requests: plain.served,
      streams: streamed.streams,
      errors: plain.errors + streamed.errors,
      ...(plain.firstError || streamed.firstError
        ? { firstError: plain.firstError ?? streamed.firstError }
        : {}),
    };
  }
  return done;
}
