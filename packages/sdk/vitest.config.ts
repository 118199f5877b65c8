import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "sdk",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Builds and packs the SDK once; the package tests use the tarball.
    globalSetup: ["test/build-once.ts"],
    // Type tests (expectTypeOf in *.test-d.ts) run through tsc.
    typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
