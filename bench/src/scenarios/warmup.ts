import { chatBody } from "./bodies.js";
import type { RunContext } from "./context.js";
import { SMALL_ANSWER_TOKENS } from "./sequential.js";

/**
 * Before any measurement, every contender the same (direct too): a closed loop of a few
 * connections sending non-streaming requests, then a few unpaced streams, each for a fixed
 * time. Nothing is kept but the counts: production gateways are warm, and a freshly started
 * Node process still compiles its hot paths (the sequential median halves over the first few
 * thousand requests).
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
      durationMs: w.nonStreamingMs,
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
