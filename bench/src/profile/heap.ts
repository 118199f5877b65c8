// What Thinkgate on Node keeps in its JS heap per open stream, by kind of object.
//   tsx src/profile/heap.ts [streams, default 500]
// Starts the emulator and the gateway as the benchmark does, takes a heap snapshot after a full
// GC, opens the streams (each has delivered its first token; the emulator then holds it), takes
// another after a full GC, and prints the difference per stream.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startThinkgateNode } from "../contenders/thinkgate-node.js";
import { LoadGenerator } from "../load/load-generator.js";
import { BENCH_DIR, startUpstream } from "../processes/upstream.js";
import { heldStreamBody } from "../scenarios/bodies.js";
import { census, perUnit } from "./heap-diff.js";

const streams = Number(process.argv[2] ?? 500);
const dir = mkdtempSync(join(tmpdir(), "thinkgate-heap-"));
const upstream = await startUpstream(dir);
const started = await startThinkgateNode({
  upstreamUrl: upstream.url,
  upstreamPid: upstream.child.pid,
  logDir: dir,
});
if (!started.ok) {
  await upstream.child.stop();
  throw new Error(started.reason);
}
const tg = started.contender;
const load = new LoadGenerator(BENCH_DIR);
const inspector = await tg.inspect!();
try {
  const usage = async () => {
    await inspector.collectGarbage();
    const heap = await inspector.call<{ usedSize: number }>("Runtime.getHeapUsage");
    return { heap: heap.usedSize };
  };
  // Warm the paths up first, so the first snapshot already holds the code and caches.
  await load.run({
    kind: "open-streams",
    target: tg.target,
    body: heldStreamBody(tg.model),
    count: 50,
    batch: 50,
  });
  await load.run({ kind: "close-streams" });
  await sleep(500);
  const idle = await usage();
  const before = census(await inspector.heapSnapshot());
  const opened = await load.run({
    kind: "open-streams",
    target: tg.target,
    body: heldStreamBody(tg.model),
    count: streams,
    batch: 250,
  });
  if (opened.opened < streams)
    throw new Error(`${opened.opened} of ${streams} opened: ${opened.firstError}`);
  await sleep(500);
  const open = await usage();
  const after = census(await inspector.heapSnapshot());
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  console.log(
    `${streams} open streams: ${kb((open.heap - idle.heap) / streams)} of JS heap per stream (after a full GC; resident memory is the benchmark's figure)\n`,
  );
  console.log("JS heap per stream, by kind (count per stream):");
  for (const row of perUnit(before, after, streams).slice(0, 30)) {
    console.log(
      `  ${kb(row.bytes).padStart(9)}  ${row.count.toFixed(1).padStart(6)}  ${row.label}`,
    );
  }
  await load.run({ kind: "close-streams" });
} finally {
  inspector.close();
  await load.close();
  await tg.stop();
  await upstream.child.stop();
  rmSync(dir, { recursive: true, force: true });
}
