import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@thinkgate/upstash-local";

/** A real prometheus server (Debian's package) on a free loopback port, scraping one target. */
export interface PrometheusServer {
  url: string;
  /** The query API's answer to an instant query: its first sample's value, or null. */
  query(promql: string): Promise<number | null>;
  /** Polls `query` until `accept` holds, or throws after `timeoutMs` saying what it last saw. */
  waitFor(promql: string, accept: (value: number) => boolean, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts prometheus with a temporary config and storage, scraping `target` (host:port, path
 * /metrics) every second. stop() kills it and removes the directory.
 */
export async function startPrometheus(target: string): Promise<PrometheusServer> {
  const dir = await mkdtemp(join(tmpdir(), "thinkgate-prometheus-"));
  const configFile = join(dir, "prometheus.yml");
  await writeFile(
    configFile,
    [
      "global:",
      "  scrape_interval: 1s",
      "  scrape_timeout: 1s",
      "scrape_configs:",
      "  - job_name: thinkgate",
      "    metrics_path: /metrics",
      "    static_configs:",
      `      - targets: ["${target}"]`,
      "",
    ].join("\n"),
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    "prometheus",
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr = (stderr + String(d)).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // Never outlives the test process, even one that dies before its afterAll.
  const orphaned = () => child.kill("SIGKILL");
  process.once("exit", orphaned);
  exited.then(() => process.off("exit", orphaned));
  const url = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const killed = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(killed);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    // Ready once its readiness endpoint answers (it loads the TSDB first).
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited: ${stderr}`);
      const ready = await fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`prometheus not ready after 60 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await stop();
    throw err;
  }

  const query = async (promql: string): Promise<number | null> => {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data?: { result: { value: [number, string] }[] };
    };
    if (body.status !== "success") throw new Error(`query ${promql} failed: ${body.error}`);
    const first = body.data?.result[0];
    return first ? Number(first.value[1]) : null;
  };

  return {
    url,
    query,
    async waitFor(promql, accept, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      let last: number | null = null;
      for (;;) {
        last = await query(promql);
        if (last !== null && accept(last)) return last;
        if (Date.now() > deadline) {
          throw new Error(`${promql}: still ${last} after ${timeoutMs} ms; prometheus: ${stderr}`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    stop,
  };
}
