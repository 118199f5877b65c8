import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "upstash-local",
    include: ["test/**/*.test.ts"],
  },
});
