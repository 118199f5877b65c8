/**
 * A small Prometheus registry: counters, gauges and histograms with fixed buckets, rendered in
 * the text exposition format (version 0.0.4). Each series is found by its label values joined
 * into one string, so recording is a join, a Map lookup and a few additions. Gauges that mirror
 * state held elsewhere (breakers, in-flight counts) are read when scraped, never kept up to date.
 *
 * Dependency-free on purpose: it runs unchanged on Node and Workers, and the gateway records
 * once per request from the finished trace, which needs none of a client library's machinery
 * (see docs/metrics.md).
 *
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/
 */
export class MetricsRegistry {
  readonly #families: Family[] = [];

  /** A monotonically increasing count. */
  counter<L extends string>(name: string, help: string, labels: readonly L[]): Counter<L> {
    const family = new Counter<L>(name, help, labels);
    this.#families.push(family);
    return family;
  }

  /** A value set by the caller (up and down). */
  gauge<L extends string>(name: string, help: string, labels: readonly L[]): Gauge<L> {
    const family = new Gauge<L>(name, help, labels);
    this.#families.push(family);
    return family;
  }

  /** A gauge read from `collect` at each scrape: state that lives elsewhere. */
  gaugeFrom<L extends string>(
    name: string,
    help: string,
    labels: readonly L[],
    collect: () => Iterable<readonly [Record<L, string>, number]>,
  ): void {
    this.#families.push(new CollectedGauge<L>(name, help, labels, collect));
  }

  /** Observations counted into fixed buckets (upper bounds, ascending). */
  histogram<L extends string>(
    name: string,
    help: string,
    labels: readonly L[],
    buckets: readonly number[],
  ): Histogram<L> {
    const family = new Histogram<L>(name, help, labels, buckets);
    this.#families.push(family);
    return family;
  }

  /** Every family in the text exposition format. */
  render(): string {
    let out = "";
    for (const family of this.#families) out += family.render();
    return out;
  }
}

/** The Content-Type of render()'s output. */
export const exposition = "text/plain; version=0.0.4; charset=utf-8";

interface Family {
  render(): string;
}

/** Label values in label order, joined: one Map key per series. */
const SEP = "\u0000";

abstract class Labelled<L extends string, S> implements Family {
  readonly #series = new Map<string, { values: string[]; state: S }>();
  protected readonly type: string;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labels: readonly L[],
    type: string,
  ) {
    assertName(name);
    for (const label of labels) assertName(label);
    this.type = type;
  }

  protected abstract fresh(): S;
  protected abstract lines(labels: string, state: S, values: string[]): string;

  /** The series for these label values (created at first use). */
  protected series(values: Record<L, string>): S {
    let key = "";
    for (let i = 0; i < this.labels.length; i++) {
      if (i > 0) key += SEP;
      key += values[this.labels[i] as L];
    }
    let entry = this.#series.get(key);
    if (!entry) {
      entry = { values: this.labels.map((l) => values[l]), state: this.fresh() };
      this.#series.set(key, entry);
    }
    return entry.state;
  }

  render(): string {
    let out = `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${this.type}\n`;
    for (const { values, state } of this.#series.values()) {
      out += this.lines(labelText(this.labels, values), state, values);
    }
    return out;
  }
}

export class Counter<L extends string> extends Labelled<L, { value: number }> {
  constructor(name: string, help: string, labels: readonly L[]) {
    if (!name.endsWith("_total")) throw new Error(`counter ${name}: name must end in _total`);
    super(name, help, labels, "counter");
  }
  protected fresh() {
    return { value: 0 };
  }
  protected lines(labels: string, state: { value: number }) {
    return `${this.name}${labels} ${number(state.value)}\n`;
  }
  inc(values: Record<L, string>, by = 1): void {
    if (by > 0) this.series(values).value += by;
  }
}

export class Gauge<L extends string> extends Labelled<L, { value: number }> {
  constructor(name: string, help: string, labels: readonly L[]) {
    super(name, help, labels, "gauge");
  }
  protected fresh() {
    return { value: 0 };
  }
  protected lines(labels: string, state: { value: number }) {
    return `${this.name}${labels} ${number(state.value)}\n`;
  }
  add(values: Record<L, string>, by: number): void {
    this.series(values).value += by;
  }
}

interface HistogramState {
  /** Per bucket, not cumulative (cumulated when rendered); the last is +Inf. */
  counts: Float64Array;
  sum: number;
  count: number;
}

export class Histogram<L extends string> extends Labelled<L, HistogramState> {
  readonly #bounds: readonly number[];
  readonly #les: string[];

  constructor(name: string, help: string, labels: readonly L[], buckets: readonly number[]) {
    super(name, help, labels, "histogram");
    if ((labels as readonly string[]).includes("le")) throw new Error(`${name}: "le" is reserved`);
    for (let i = 1; i < buckets.length; i++) {
      if (!((buckets[i] as number) > (buckets[i - 1] as number))) {
        throw new Error(`histogram ${name}: buckets must ascend`);
      }
    }
    this.#bounds = buckets;
    this.#les = [...buckets.map(number), "+Inf"];
  }
  protected fresh(): HistogramState {
    return { counts: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 };
  }
  protected lines(labels: string, state: HistogramState) {
    const base = labels === "" ? "{" : `${labels.slice(0, -1)},`;
    let out = "";
    let cumulative = 0;
    for (let i = 0; i < this.#les.length; i++) {
      cumulative += state.counts[i] as number;
      out += `${this.name}_bucket${base}le="${this.#les[i]}"} ${cumulative}\n`;
    }
    out += `${this.name}_sum${labels} ${number(state.sum)}\n`;
    out += `${this.name}_count${labels} ${state.count}\n`;
    return out;
  }
  observe(values: Record<L, string>, value: number): void {
    if (!Number.isFinite(value)) return;
    const state = this.series(values);
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    (state.counts as Float64Array)[i] = (state.counts[i] as number) + 1;
    state.sum += value;
    state.count++;
  }
}

class CollectedGauge<L extends string> implements Family {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labels: readonly L[],
    readonly collect: () => Iterable<readonly [Record<L, string>, number]>,
  ) {
    assertName(name);
    for (const label of labels) assertName(label);
  }
  render(): string {
    let out = `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} gauge\n`;
    for (const [values, value] of this.collect()) {
      out += `${this.name}${labelText(
        this.labels,
        this.labels.map((l) => values[l]),
      )} ${number(value)}\n`;
    }
    return out;
  }
}

const validName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function assertName(name: string): void {
  if (!validName.test(name)) throw new Error(`invalid metric or label name: ${name}`);
}

/** `{a="x",b="y"}`; labels with an empty value are left out (Prometheus reads them as absent). */
function labelText(labels: readonly string[], values: readonly string[]): string {
  let out = "";
  for (let i = 0; i < labels.length; i++) {
    const value = values[i];
    if (value === undefined || value === "") continue;
    out += `${out === "" ? "{" : ","}${labels[i]}="${escapeValue(value)}"`;
  }
  return out === "" ? "" : `${out}}`;
}

// Label values may come from config names (models, backends, tenants): escaped, never trusted.
function escapeValue(value: string): string {
  return value.replace(/[\\"\n]/g, (ch) => (ch === "\n" ? "\\n" : `\\${ch}`));
}

function escapeHelp(help: string): string {
  return help.replace(/[\\\n]/g, (ch) => (ch === "\n" ? "\\n" : "\\\\"));
}

function number(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}
