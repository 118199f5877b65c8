import { readFileSync } from "node:fs";
import { cpus, type as osType, release, totalmem } from "node:os";

/** What the figures were measured on: they mean little without it. */
export function machine(): Record<string, unknown> {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? "unknown",
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${osType()} ${release()}`,
    distro: distro(),
    node: process.version,
    loadAverageAtStart: readLoadAverage(),
  };
}

function distro(): string {
  try {
    const text = readFileSync("/etc/os-release", "utf8");
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1] ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** 1, 5 and 15 minute load averages: others' work on a shared machine shows up here. */
export function readLoadAverage(): number[] {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number);
  } catch {
    return [];
  }
}
