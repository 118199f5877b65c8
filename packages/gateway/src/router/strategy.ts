import type { ModelConfig } from "../config/schema.js";

/**
 * The order in which a model's targets are tried (indexes into `targets`).
 * - fallback: as listed.
 * - spillover: as listed; a target at its in-flight limit is passed over when tried.
 * - weighted: drawn by weight without replacement, so the first pick follows the weights and
 *   the remaining targets still serve as fallbacks. `random` is injectable for tests.
 */
export function targetOrder(model: ModelConfig, random: () => number): number[] {
  const listed = model.targets.map((_, i) => i);
  if (model.strategy !== "weighted") return listed;
  const order: number[] = [];
  const left = listed.map((i) => ({ i, weight: model.targets[i]?.weight ?? 1 }));
  while (left.length > 0) {
    let total = 0;
    for (const t of left) total += t.weight;
    let point = random() * total;
    let pick = left.length - 1;
    for (let k = 0; k < left.length; k++) {
      point -= left[k]!.weight;
      if (point < 0) {
        pick = k;
        break;
      }
    }
    order.push(left[pick]!.i);
    left.splice(pick, 1);
  }
  return order;
}
