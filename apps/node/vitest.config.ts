import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "node",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // promtool and prometheus for the metrics tests, installed when missing.
    globalSetup: ["test/support/prometheus-install.ts"],
  },
});
