import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDirect } from "./contenders/direct.js";
import { startNodeProxy } from "./contenders/node-proxy.js";
import { startPortkey } from "./contenders/portkey.js";
import { startThinkgateNode } from "./contenders/thinkgate-node.js";
import { startThinkgateWorkerd } from "./contenders/thinkgate-workerd.js";
import type { Contender, ContenderId, StartContext, Started } from "./contenders/types.js";
import { UPSTREAM_MODEL, UPSTREAM_PREFIX } from "./contenders/types.js";
import { LoadGenerator } from "./load/load-generator.js";
import { machine } from "./machine.js";
import type { Mode } from "./modes.js";
import { BENCH_DIR, startUpstream } from "./processes/upstream.js";
import type { ContenderStatus, Distribution, Results, Row, ScenarioOutput } from "./results.js";
import type { RunContext } from "./scenarios/context.js";
import { growthScenario } from "./scenarios/growth.js";
import { latencyScenario } from "./scenarios/latency.js";
import { memoryScenario } from "./scenarios/memory.js";
import { normalizerScenario } from "./scenarios/normalizer.js";
import { ownWorkScenario } from "./scenarios/own-work.js";
import { sequentialScenario } from "./scenarios/sequential.js";
import { streamingScenario } from "./scenarios/streaming.js";
import { throughputScenario } from "./scenarios/throughput.js";
import { warmUp } from "./scenarios/warmup.js";
import { checkTargets } from "./targets.js";

const STARTERS: Record<ContenderId, (ctx: StartContext) => Promise<Started>> = {
  direct: startDirect,
  "node-proxy": startNodeProxy,
  "thinkgate-node": startThinkgateNode,
  "thinkgate-workerd": startThinkgateWorkerd,
  portkey: startPortkey,
};

export const SCENARIOS: [string, (ctx: RunContext) => Promise<ScenarioOutput>][] = [
  ["sequential", sequentialScenario],
  ["latency", latencyScenario],
  ["throughput", throughputScenario],
  ["streaming", streamingScenario],
  ["growth", growthScenario],
  // In a child process of its own while the contenders idle; before memory, which leaves them busy.
  ["own-work", ownWorkScenario],
  // Last: thousands of sockets, and the processes are not idle for a while after.
  ["memory", memoryScenario],
];

export interface SuiteOptions {
  mode: Mode;
  contenders: ContenderId[];
  progress: (line: string) => void;
  cpuProfileDir?: string;
  /** Only these scenarios (default: all); the normalizer runs only when listed or by default. */
  scenarios?: string[];
  /** Called once everything is started, with a function that stops it all (Ctrl-C). */
  onStarted?: (stopAll: () => Promise<void>) => void;
}

export async function runSuite(options: SuiteOptions): Promise<Results> {
  const started = performance.now();
  const date = new Date().toISOString();
  const machineInfo = machine();
  const logDir = mkdtempSync(join(tmpdir(), "thinkgate-bench-"));
  const { progress } = options;
  const running: Contender[] = [];
  const statuses: ContenderStatus[] = [];
  let load: LoadGenerator | undefined;
  let upstream: Awaited<ReturnType<typeof startUpstream>> | undefined;
  const stopAll = async () => {
    await load?.close();
    await Promise.all(running.map((c) => c.stop()));
    await upstream?.child.stop();
  };
  let keepLogs = false;
  try {
    progress("starting the emulator");
    upstream = await startUpstream(logDir);
    // One at a time: startups compete for the same two cores.
    for (const id of options.contenders) {
      progress(`starting ${id}`);
      const outcome = await STARTERS[id]({
        upstreamUrl: upstream.url,
        upstreamPid: upstream.child.pid,
        logDir,
        cpuProfileDir: options.cpuProfileDir,
      });
      if (outcome.ok) {
        running.push(outcome.contender);
        statuses.push({ ...pick(outcome.contender), status: "ran" });
      } else {
        statuses.push({ ...outcome.info, status: "not run", reason: outcome.reason });
        progress(`${id} not run: ${outcome.reason.split("\n")[0]}`);
      }
    }
    load = new LoadGenerator(BENCH_DIR);
    options.onStarted?.(stopAll);
    const ctx: RunContext = { contenders: running, load, mode: options.mode, progress };

    const rows: Row[] = [];
    const distributions: Distribution[] = [];
    const details: Record<string, unknown> = {};
    const wanted = (name: string) => !options.scenarios || options.scenarios.includes(name);
    // Once, before the first measurement, the same for every contender; its figures are not kept.
    if (SCENARIOS.some(([name]) => name !== "own-work" && wanted(name))) {
      try {
        details.warmup = await warmUp(ctx);
      } catch (error) {
        details.warmupError = (error as Error).stack ?? String(error);
        progress(`warm-up failed: ${(error as Error).message}`);
      }
    }
    for (const [name, scenario] of SCENARIOS) {
      if (!wanted(name)) continue;
      try {
        const out = await scenario(ctx);
        rows.push(...out.rows);
        distributions.push(...(out.distributions ?? []));
        Object.assign(details, out.details);
      } catch (error) {
        keepLogs = true;
        details[`${name}Error`] = (error as Error).stack ?? String(error);
        progress(`${name} failed: ${(error as Error).message}`);
      }
    }
    const normalizer = wanted("normalizer") ? await normalizerScenario(ctx) : { skipped: true };
    for (const c of running) {
      const logged = c.exceptions?.() ?? [];
      const status = statuses.find((s) => s.id === c.id);
      if (status && logged.length) status.exceptions = logged;
    }
    return {
      date,
      mode: options.mode.name,
      durationS: (performance.now() - started) / 1000,
      machine: machineInfo,
      upstream: {
        emulator: `@thinkgate/emulator, vLLM dialect (${UPSTREAM_PREFIX}, model ${UPSTREAM_MODEL}), own process`,
        nonStreaming:
          "16 token chunks, no delay (non-streaming requests are answered as fast as the emulator can)",
        paced: options.mode.streaming.paced,
        unpacedTokens: options.mode.streaming.unpacedTokens,
      },
      contenders: statuses,
      method: { ...options.mode, loadGenerator: "undici Pool (keep-alive), own process" },
      rows,
      normalizer,
      targets: checkTargets(rows),
      distributions,
      details,
    };
  } finally {
    await stopAll();
    if (keepLogs) progress(`logs kept in ${logDir}`);
    else rmSync(logDir, { recursive: true, force: true });
  }
}

function pick(c: Contender) {
  return { id: c.id, label: c.label, version: c.version, ...(c.note ? { note: c.note } : {}) };
}
