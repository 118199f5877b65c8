import { describe, expect, it } from "vitest";
import { MetricsRegistry } from "./metrics-registry.js";

describe("MetricsRegistry", () => {
  it("renders counters per label set, with HELP and TYPE first", () => {
    const registry = new MetricsRegistry();
    const requests = registry.counter("t_requests_total", "Requests.", ["model", "status"]);
    requests.inc({ model: "a", status: "200" });
    requests.inc({ model: "a", status: "200" }, 2);
    requests.inc({ model: "b", status: "500" });
    expect(registry.render()).toBe(
      [
        "# HELP t_requests_total Requests.",
        "# TYPE t_requests_total counter",
        't_requests_total{model="a",status="200"} 3',
        't_requests_total{model="b",status="500"} 1',
        "",
      ].join("\n"),
    );
  });

  it("renders histogram buckets cumulatively, with +Inf, sum and count", () => {
    const registry = new MetricsRegistry();
    const h = registry.histogram("t_seconds", "Time.", ["op"], [0.1, 1]);
    h.observe({ op: "x" }, 0.05);
    h.observe({ op: "x" }, 0.1); // on the bound: le is inclusive
    h.observe({ op: "x" }, 0.5);
    h.observe({ op: "x" }, 5);
    h.observe({ op: "x" }, Number.NaN); // ignored
    expect(registry.render()).toContain(
      [
        't_seconds_bucket{op="x",le="0.1"} 2',
        't_seconds_bucket{op="x",le="1"} 3',
        't_seconds_bucket{op="x",le="+Inf"} 4',
        't_seconds_sum{op="x"} 5.65',
        't_seconds_count{op="x"} 4',
      ].join("\n"),
    );
  });

  it("escapes label values and leaves out empty ones", () => {
    const registry = new MetricsRegistry();
    const c = registry.counter("t_total", "Line one\nline two \\ end.", ["model", "tenant"]);
    c.inc({ model: 'we"ird\\name\n', tenant: "" });
    const text = registry.render();
    expect(text).toContain("# HELP t_total Line one\\nline two \\\\ end.");
    expect(text).toContain('t_total{model="we\\"ird\\\\name\\n"} 1');
  });

  it("reads collected gauges at each render, not before", () => {
    const registry = new MetricsRegistry();
    let value = 1;
    registry.gaugeFrom("t_state", "State.", ["backend"], () => [[{ backend: "b" }, value]]);
    expect(registry.render()).toContain('t_state{backend="b"} 1');
    value = 0;
    expect(registry.render()).toContain('t_state{backend="b"} 0');
  });

  it("refuses names Prometheus would reject, and counters without _total", () => {
    const registry = new MetricsRegistry();
    expect(() => registry.counter("requests", "x", [])).toThrow(/_total/);
    expect(() => registry.gauge("bad-name", "x", [])).toThrow(/invalid/);
    expect(() => registry.histogram("t_h", "x", ["le"], [1])).toThrow(/reserved/);
    expect(() => registry.histogram("t_h2", "x", [], [2, 1])).toThrow(/ascend/);
  });
});
