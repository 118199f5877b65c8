/**
 * Whether a parsed JSON value nests deeper than `max` arrays/objects. JSON.parse accepts any
 * depth, but JSON.stringify and structuredClone recurse and overflow the stack at a few thousand
 * levels: a small body like `[[[[…]]]]` would crash later steps instead of getting a 400.
 * Iterative, so checking it cannot overflow either.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, depth] = item;
    if (typeof node !== "object" || node === null) continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
