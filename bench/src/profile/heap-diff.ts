/** A V8 heap snapshot reduced to bytes and counts per kind of object ("object:Promise"). */
export type HeapCensus = Map<string, { count: number; bytes: number }>;

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[]];
      edge_fields: string[];
      edge_types: [string[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

// Property and element stores carry no name of their own: they are labelled by the object that
// owns them ("(object properties) of Headers"), which says whose state is in dictionary mode.
const STORES = new Set(["(object properties)", "(object elements)"]);

export function census(json: string): HeapCensus {
  const snap = JSON.parse(json) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [type, name, size] = ["type", "name", "self_size"].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const owners = storeOwners(snap, width, name);
  const out: HeapCensus = new Map();
  for (let i = 0; i < snap.nodes.length; i += width) {
    let text = String(snap.strings[snap.nodes[i + name]!]);
    if (STORES.has(text)) text = `${text} of ${owners.get(i) ?? "?"}`;
    // Long names are strings' contents: the kind is what matters, not the text.
    const label = `${types[snap.nodes[i + type]!]}:${text.slice(0, 60).replace(/\s+/g, " ")}`;
    const entry = out.get(label) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += snap.nodes[i + size]!;
    out.set(label, entry);
  }
  return out;
}

/** For each property or element store (by node offset), the name of the object owning it. */
function storeOwners(snap: Snapshot, width: number, name: number): Map<number, string> {
  const fields = snap.snapshot.meta.node_fields;
  const edgeFields = snap.snapshot.meta.edge_fields;
  const edgeWidth = edgeFields.length;
  const edgeCount = fields.indexOf("edge_count");
  const toNode = edgeFields.indexOf("to_node");
  const owners = new Map<number, string>();
  let edge = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const count = snap.nodes[i + edgeCount]!;
    for (let e = 0; e < count; e++, edge += edgeWidth) {
      const target = snap.edges[edge + toNode]!; // a node offset into `nodes`
      if (STORES.has(String(snap.strings[snap.nodes[target + name]!]))) {
        owners.set(target, String(snap.strings[snap.nodes[i + name]!]).slice(0, 40));
      }
    }
  }
  return owners;
}

/** What `after` holds that `before` did not, per unit (an open stream), largest first. */
export function perUnit(before: HeapCensus, after: HeapCensus, units: number) {
  return [...after]
    .map(([label, a]) => {
      const b = before.get(label) ?? { count: 0, bytes: 0 };
      return { label, count: (a.count - b.count) / units, bytes: (a.bytes - b.bytes) / units };
    })
    .sort((x, y) => y.bytes - x.bytes);
}
