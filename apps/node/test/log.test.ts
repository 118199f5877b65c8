import { afterEach, describe, expect, it, vi } from "vitest";
import { stdoutLog } from "../src/log.js";

afterEach(() => vi.restoreAllMocks());

describe("stdoutLog", () => {
  it("writes after the request's own turn, lines of one turn in one write, time first", async () => {
    const writes: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    stdoutLog({ msg: "request", status: 200 });
    stdoutLog({ msg: "request", status: 429, time: "kept apart" });
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(1);
    const lines = writes[0]!.split("\n");
    expect(lines.at(-1)).toBe("");
    const [a, b] = lines.slice(0, 2).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(a!)[0]).toBe("time");
    expect(a).toMatchObject({ msg: "request", status: 200 });
    expect(Number.isNaN(Date.parse(String(a!.time)))).toBe(false);
    expect(b).toMatchObject({ status: 429 });
    stdoutLog({ msg: "later" });
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(2);
  });
});
