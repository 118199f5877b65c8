import type { Contender, ContenderId } from "../contenders/types.js";
import { cpuMicros } from "../processes/cpu.js";
import type { Cell, Row } from "../results.js";

/** Whose CPU time counts for a contender: its own processes; direct's, the emulator's. */
export const cpuPidsOf = (c: Contender): number[] => c.cpuPids?.() ?? c.memoryPids?.() ?? [];

/**
 * CPU time per request served, per contender: utime + stime of its processes read just before
 * and just after each of its jobs (so the time others' jobs take is never counted), summed over
 * the jobs, divided by the requests they served.
 */
export class CpuTally {
  private readonly spent = new Map<ContenderId, { us: number; requests: number }>();
  private readonly failures = new Map<ContenderId, string>();

  async measure<T>(c: Contender, job: () => Promise<T>, served: (result: T) => number): Promise<T> {
    const pids = cpuPidsOf(c);
    const before = this.read(c.id, pids);
    const result = await job();
    const after = this.read(c.id, pids);
    if (before !== null && after !== null) {
      const seen = this.spent.get(c.id) ?? { us: 0, requests: 0 };
      seen.us += after - before;
      seen.requests += served(result);
      this.spent.set(c.id, seen);
    }
    return result;
  }

  cell(id: ContenderId): Cell {
    const seen = this.spent.get(id);
    if (!seen?.requests) return { failed: this.failures.get(id) ?? "no request served" };
    return { value: seen.us / seen.requests };
  }

  cells(ids: readonly ContenderId[]): Partial<Record<ContenderId, Cell>> {
    return Object.fromEntries(ids.map((id) => [id, this.cell(id)]));
  }

  private read(id: ContenderId, pids: number[]): number | null {
    if (pids.length === 0) {
      this.failures.set(id, "its process is not running");
      return null;
    }
    try {
      return pids.reduce((sum, pid) => sum + cpuMicros(pid), 0);
    } catch (error) {
      this.failures.set(id, `cannot read its CPU time: ${(error as Error).message}`);
      return null;
    }
  }
}

/** A row of the CPU section: µs of CPU per request; direct's figure is the emulator's own. */
export const cpuRow = (id: string, how: string, cells: Row["cells"]): Row => ({
  id,
  section: "CPU",
  metric: `CPU per request, ${how} (Direct: the emulator's own)`,
  unit: "µs",
  better: "lower",
  againstDirect: false,
  cells,
});
