import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "sdk",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Builds and packs the SDK once; the package tests use the tarball.
    globalSetup: ["test/build-once.ts"],
    // Type tests (expectTypeOf in *.test-d.ts) run through tsc.
    typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
    // Generous: on a loaded machine a test that takes a second alone can take ten. Hang
    // detectors, not performance bounds.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    expect: { poll: { timeout: 10_000 } },
  },
});
