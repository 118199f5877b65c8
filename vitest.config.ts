import { defineConfig } from "vitest/config";

// One test command for the whole repository: each package and app is a project with its own
// vitest.config.ts (environment, timeouts, global setup).
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*", "bench"],
  },
});
