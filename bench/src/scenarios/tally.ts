import type { ContenderId } from "../contenders/types.js";
import type { Cell } from "../results.js";
import { median } from "../stats.js";

/** Per-contender figures over rounds, and the first failure seen, turned into table cells. */
export class Tally {
  private readonly values = new Map<ContenderId, number[]>();
  private readonly errors = new Map<ContenderId, { count: number; first: string }>();

  add(id: ContenderId, value: number | undefined): void {
    if (value === undefined || Number.isNaN(value)) return;
    const list = this.values.get(id) ?? [];
    list.push(value);
    this.values.set(id, list);
  }

  fail(id: ContenderId, count: number, first: string | undefined): void {
    if (count === 0) return;
    const seen = this.errors.get(id);
    this.errors.set(id, {
      count: (seen?.count ?? 0) + count,
      first: seen?.first ?? first ?? "unknown error",
    });
  }

  rounds(id: ContenderId): number[] {
    return this.values.get(id) ?? [];
  }

  /** The median over rounds; a contender with no successful round shows its first error. */
  cell(id: ContenderId): Cell {
    const values = this.values.get(id);
    const errors = this.errors.get(id);
    if (!values?.length) return { failed: errors?.first ?? "no result" };
    return errors ? { value: median(values), errors: errors.count } : { value: median(values) };
  }

  cells(ids: readonly ContenderId[]): Partial<Record<ContenderId, Cell>> {
    return Object.fromEntries(ids.map((id) => [id, this.cell(id)]));
  }
}
