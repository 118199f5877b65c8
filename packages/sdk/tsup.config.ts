import { defineConfig } from "tsup";

// The published package: ESM and CJS, each with its own declarations (.d.ts / .d.cts). What
// the SDK uses of @thinkgate/core is bundled in, so `thinkgate` has no runtime dependencies
// and nothing private leaks into the public types.
export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  target: "es2022",
  platform: "neutral",
  noExternal: ["@thinkgate/core"],
  treeshake: true,
  sourcemap: false,
});
