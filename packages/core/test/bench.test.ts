// The benchmark is code others call (pnpm bench): it must run and report sane figures.
// No timing is asserted; only that it measured something real.
import { describe, expect, it } from "vitest";
import { benchNormalizer, qwqStream } from "../bench/throughput.js";
import { normalizePieces, summarize } from "./support.js";

describe("benchNormalizer", () => {
  it("measures both dialects over the same stream it describes", async () => {
    const r = await benchNormalizer({ chunks: 300, rounds: 1 });
    expect(r.chunks).toBe(300);
    expect(r.bytes).toBe(new TextEncoder().encode(qwqStream(300, "field")).length);
    for (const v of [
      r.mbPerSecond,
      r.chunksPerSecond,
      r.thinkOpen.mbPerSecond,
      r.thinkOpen.chunksPerSecond,
    ]) {
      expect(Number.isFinite(v) && v > 0).toBe(true);
    }
  });

  it("its two streams mean the same reasoning and answer", () => {
    const read = (dialect: "field" | "think-open") =>
      summarize(
        normalizePieces([new TextEncoder().encode(qwqStream(300, dialect))], {
          reasoning: dialect === "field" ? "auto" : "think-open",
        }),
      );
    const field = read("field");
    const open = read("think-open");
    expect(field.choices[0]?.reasoning?.length).toBeGreaterThan(100);
    expect(open.choices[0]).toEqual(field.choices[0]);
  });
});
