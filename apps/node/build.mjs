// `pnpm build`: the Node gateway as one file, dist/server.mjs, that runs with plain `node` from a
// directory holding only it and a config file: every dependency is bundled in, nothing is read
// from node_modules at run time, no tsx. What the Dockerfile copies into its image.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const appDir = fileURLToPath(new URL(".", import.meta.url));

/**
 * The store picks its Redis client with an import through a variable, so that Workers bundles
 * never include ioredis (packages/gateway/src/store/index.ts). A bundle for Node needs it
 * included: the variable becomes the literal path here. If the source changes shape, the build
 * fails rather than produce a server that cannot open a Redis store.
 */
const redisStoreIncluded = {
  name: "include-redis-store",
  setup(b) {
    b.onLoad({ filter: /[\\/]gateway[\\/]src[\\/]store[\\/]index\.ts$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const pattern = /await import\(\s*\/\*\s*@vite-ignore\s*\*\/\s*redisModule\s*\)/;
      if (!pattern.test(source)) {
        return {
          errors: [
            {
              text: "store/index.ts no longer imports ./redis.js through `redisModule`: update apps/node/build.mjs so the bundle includes the Redis store",
            },
          ],
        };
      }
      return { contents: source.replace(pattern, 'await import("./redis.js")'), loader: "ts" };
    });
  },
};

await build({
  entryPoints: [`${appDir}src/main.ts`],
  outfile: `${appDir}dist/server.mjs`,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // One file: the Redis store's chunk is inlined rather than split out.
  splitting: false,
  legalComments: "none",
  logLevel: "warning",
  // CommonJS dependencies (ioredis) call require() for Node's built-ins; an ES module has none.
  banner: {
    js: 'import { createRequire as __thinkgateRequire } from "node:module"; const require = __thinkgateRequire(import.meta.url);',
  },
  plugins: [redisStoreIncluded],
});
