// Summarises a V8 .cpuprofile (node --cpu-prof): where the time went, by function, self and
// inclusive, with the idle time left out.

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionCost {
  fn: string; // "name file:line"
  selfMs: number;
  inclusiveMs: number;
}

const IDLE = new Set(["(idle)", "(program)", "(garbage collector)"]);

export interface Summary {
  busyMs: number;
  gcMs: number;
  functions: FunctionCost[];
  /** Self time by module (file), e.g. all of node:internal/webstreams/readablestream together. */
  modules: { module: string; selfMs: number }[];
}

export function summarize(profile: Profile): Summary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n: ProfileNode) => {
    const file = n.callFrame.url
      .replace(/^file:\/\//, "")
      .replace(/^.*\/node_modules\/\.pnpm\/[^/]+\/node_modules\//, "");
    return `${n.callFrame.functionName || "(anonymous)"} ${file}:${n.callFrame.lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const modules = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  let gc = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(id);
    if (!node) return;
    const name = node.callFrame.functionName;
    if (name === "(garbage collector)") gc += ms;
    if (IDLE.has(name) && name !== "(garbage collector)") return;
    busy += ms;
    self.set(key(node), (self.get(key(node)) ?? 0) + ms);
    const module = key(node).split(" ").pop()!.replace(/:\d+$/, "") || "(native)";
    modules.set(module, (modules.get(module) ?? 0) + ms);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const k = key(byId.get(at)!);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + ms);
    }
  });
  const functions = [...inclusive].map(([fn, inclusiveMs]) => ({
    fn,
    selfMs: self.get(fn) ?? 0,
    inclusiveMs,
  }));
  return {
    busyMs: busy,
    gcMs: gc,
    functions,
    modules: [...modules]
      .map(([module, selfMs]) => ({ module, selfMs }))
      .sort((a, b) => b.selfMs - a.selfMs),
  };
}
