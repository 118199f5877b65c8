import { mkdtempSync } from "node:fs";
import { startThinkgateNode } from "./contenders/thinkgate-node.js";
import { LoadGenerator } from "./load/load-generator.js";
import { startUpstream } from "./processes/upstream.js";
import { chatBody } from "./scenarios/bodies.js";

const kind = process.argv[2] ?? "seq";
const logDir = mkdtempSync("/tmp/prof-");
const up = await startUpstream(logDir);
const started = await startThinkgateNode({
  upstreamUrl: up.url,
  logDir,
  cpuProfileDir: `/tmp/prof-${kind}`,
});
if (!started.ok) throw new Error(started.reason);
const tg = started.contender;
const load = new LoadGenerator("/work/main/bench");
const t0 = performance.now();
if (kind === "seq") {
  const r = await load.run({
    kind: "sequential",
    target: tg.target,
    body: chatBody(tg.model, false, 16),
    warmup: 100,
    count: 3000,
  });
  console.log("median", r.latenciesMs.sort((a, b) => a - b)[1500], "errors", r.errors);
} else if (kind === "stream") {
  const r = await load.run({
    kind: "streams",
    target: tg.target,
    body: chatBody(tg.model, true, 200),
    concurrency: 50,
    warmupMs: 500,
    durationMs: 6000,
  });
  console.log("chunks/s", r.tokens / 6, "errors", r.errors);
} else {
  const r = await load.run({
    kind: "closed-loop",
    target: tg.target,
    body: chatBody(tg.model, false, 16),
    connections: 64,
    warmupMs: 500,
    durationMs: 6000,
  });
  console.log("rps", r.completed / 6, "errors", r.errors, r.firstError);
}
console.log("took", performance.now() - t0);
await load.close();
await tg.stop();
await up.child.stop();
