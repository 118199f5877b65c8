import { describe, expect, it } from "vitest";
import { CircuitBreakers } from "../../src/router/breaker.js";
import { manualClock } from "./seeded-random.js";

function setup() {
  const clock = manualClock();
  const breakers = new CircuitBreakers({ failureThreshold: 3, cooldownMs: 10_000, now: clock.now });
  return { clock, breakers };
}

describe("CircuitBreakers", () => {
  it("stays closed below the threshold, and a success resets the count", () => {
    const { breakers } = setup();
    breakers.failure("gpu");
    breakers.failure("gpu");
    breakers.success("gpu");
    breakers.failure("gpu");
    breakers.failure("gpu");
    expect(breakers.state("gpu")).toBe("closed");
    expect(breakers.admit("gpu")).toEqual({ allowed: true, probe: false });
  });

  it("opens after N consecutive failures and refuses until the cooldown ends", () => {
    const { clock, breakers } = setup();
    for (let i = 0; i < 3; i++) breakers.failure("gpu");
    expect(breakers.state("gpu")).toBe("open");
    const refused = breakers.admit("gpu");
    expect(refused).toEqual({
      allowed: false,
      retryAt: clock.now() + 10_000,
    });
    clock.advance(9_999);
    expect(breakers.admit("gpu").allowed).toBe(false);
    // Other backends are unaffected.
    expect(breakers.admit("cloud")).toEqual({ allowed: true, probe: false });
  });

  it("after the cooldown lets exactly one probe through; its success closes the circuit", () => {
    const { clock, breakers } = setup();
    for (let i = 0; i < 3; i++) breakers.failure("gpu");
    clock.advance(10_000);
    expect(breakers.state("gpu")).toBe("half-open");
    expect(breakers.admit("gpu")).toEqual({ allowed: true, probe: true });
    expect(breakers.admit("gpu").allowed).toBe(false);
    expect(breakers.admit("gpu").allowed).toBe(false);
    breakers.success("gpu");
    expect(breakers.state("gpu")).toBe("closed");
    expect(breakers.admit("gpu")).toEqual({ allowed: true, probe: false });
  });

  it("a failed probe reopens the circuit for a full cooldown at once", () => {
    const { clock, breakers } = setup();
    for (let i = 0; i < 3; i++) breakers.failure("gpu");
    clock.advance(10_000);
    expect(breakers.admit("gpu").allowed).toBe(true);
    breakers.failure("gpu");
    expect(breakers.state("gpu")).toBe("open");
    clock.advance(9_000);
    expect(breakers.admit("gpu").allowed).toBe(false);
    clock.advance(1_000);
    expect(breakers.admit("gpu")).toEqual({ allowed: true, probe: true });
  });

  it("an abandoned probe lets the next request probe", () => {
    const { clock, breakers } = setup();
    for (let i = 0; i < 3; i++) breakers.failure("gpu");
    clock.advance(10_000);
    expect(breakers.admit("gpu").allowed).toBe(true);
    breakers.abandon("gpu");
    expect(breakers.admit("gpu")).toEqual({ allowed: true, probe: true });
  });

  it("a probe that never reports stops blocking after another cooldown", () => {
    const { clock, breakers } = setup();
    for (let i = 0; i < 3; i++) breakers.failure("gpu");
    clock.advance(10_000);
    expect(breakers.admit("gpu").allowed).toBe(true);
    clock.advance(9_999);
    expect(breakers.admit("gpu").allowed).toBe(false);
    clock.advance(1);
    expect(breakers.admit("gpu")).toEqual({ allowed: true, probe: true });
  });
});
