import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "bench",
    include: ["test/**/*.test.ts"],
    // The smoke run starts real processes (emulator, gateways, load generator): seconds, not ms.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
