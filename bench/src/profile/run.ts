// Profiles Thinkgate on Node under one kind of load and says where each request's CPU goes.
//   tsx src/profile/run.ts nonstreaming [seconds]   sequential non-streaming requests
//   tsx src/profile/run.ts streaming [seconds]      50 concurrent unpaced 200-chunk streams
//   tsx src/profile/run.ts paced [seconds]          200 concurrent streams, a chunk per 20 ms each
// The gateway runs as in the benchmark (its own process, the emulator upstream, the undici load
// generator in a third process), with --cpu-prof; its main-thread profile is summarised per
// request (or per chunk) rather than in milliseconds of one run.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startThinkgateNode } from "../contenders/thinkgate-node.js";
import { LoadGenerator } from "../load/load-generator.js";
import { BENCH_DIR, startUpstream } from "../processes/upstream.js";
import { chatBody } from "../scenarios/bodies.js";
import { SMALL_ANSWER_TOKENS } from "../scenarios/sequential.js";
import { summarize } from "./summarize.js";

const kind = (["streaming", "paced"] as const).find((k) => k === process.argv[2]) ?? "nonstreaming";
const seconds = Number(process.argv[3] ?? 10);
const dir = mkdtempSync(join(tmpdir(), "thinkgate-profile-"));
const upstream = await startUpstream(dir);
const started = await startThinkgateNode({
  upstreamUrl: upstream.url,
  upstreamPid: upstream.child.pid,
  logDir: dir,
  cpuProfileDir: dir,
});
if (!started.ok) {
  await upstream.child.stop();
  throw new Error(started.reason);
}
const tg = started.contender;
const load = new LoadGenerator(BENCH_DIR);
let units: number; // requests or chunks the profile is divided by
let unit: string;
try {
  if (kind === "nonstreaming") {
    // As many as fit in the time, roughly: sequential requests take a few ms each here.
    const r = await load.run({
      kind: "sequential",
      target: tg.target,
      body: chatBody(tg.model, false, SMALL_ANSWER_TOKENS),
      warmup: 200,
      count: Math.round(seconds * 400),
    });
    units = r.latenciesMs.length + 200;
    unit = "request";
  } else if (kind === "paced") {
    const schedule = { firstByteDelayMs: 20, chunkDelayMs: 20 };
    const r = await load.run({
      kind: "streams",
      target: tg.target,
      body: chatBody(tg.model, true, 40, schedule),
      concurrency: 200,
      warmupMs: 0,
      durationMs: seconds * 1000,
      staggerMs: 20 + 41 * 20,
    });
    units = r.tokens;
    unit = "chunk";
  } else {
    const r = await load.run({
      kind: "streams",
      target: tg.target,
      body: chatBody(tg.model, true, 200),
      concurrency: 50,
      warmupMs: 0,
      durationMs: seconds * 1000,
    });
    units = r.tokens;
    unit = "chunk";
  }
} finally {
  await load.close();
  await tg.stop(); // the profile is written as it exits
  await upstream.child.stop();
}

// The main thread's profile is the largest; tsx's loader thread writes a small one too.
const profiles = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
const main = profiles.sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size)[0];
if (!main) throw new Error(`no CPU profile in ${dir}`);
const { busyMs, gcMs, functions, modules } = summarize(
  JSON.parse(readFileSync(join(dir, main), "utf8")),
);
const per = (ms: number) => `${((ms * 1000) / units).toFixed(1).padStart(7)} µs`;
console.log(`${kind}: ${units} ${unit}s; busy ${per(busyMs)} per ${unit} (GC ${per(gcMs)})`);
console.log("(start-up is included; it is small against the run)\n\nself time per", unit);
for (const f of [...functions].sort((a, b) => b.selfMs - a.selfMs).slice(0, 25)) {
  console.log(`  ${per(f.selfMs)}  ${f.fn}`);
}
console.log(`\nself time per ${unit}, by module`);
for (const m of modules.slice(0, 15)) console.log(`  ${per(m.selfMs)}  ${m.module}`);
console.log(`\ninclusive time per ${unit}, Thinkgate's code`);
for (const f of functions
  .filter((f) => /\/(packages|apps)\//.test(f.fn))
  .sort((a, b) => b.inclusiveMs - a.inclusiveMs)
  .slice(0, 25)) {
  console.log(`  ${per(f.inclusiveMs)}  ${f.fn}`);
}
rmSync(dir, { recursive: true, force: true });
