// A headless Chromium for the browser test that `pnpm install` brings: @sparticuz/chromium ships a
// brotli-compressed Linux x64 build (chrome-headless-shell) inside the npm package, with no
// install script, so the README's test command needs no system package. Its own
// executablePath() unpacks to a shared /tmp/chromium without a temporary name, which a parallel
// or interrupted run would see half-written; this unpacks once per version into the package's
// node_modules/.cache under a temporary name and renames it into place.
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { createBrotliDecompress } from "node:zlib";

/** Debian's package, for platforms the npm build does not cover. */
const systemChromium = "/usr/bin/chromium";

/** The path of a Chromium executable for playwright-core's `executablePath`. */
export async function chromiumExecutable(): Promise<string> {
  if (process.platform !== "linux" || process.arch !== "x64") {
    if (existsSync(systemChromium)) return systemChromium;
    throw new Error(
      `@sparticuz/chromium ships Linux x64 only; on ${process.platform}-${process.arch} install chromium at ${systemChromium}`,
    );
  }
  // The package exports no package.json; its entry is build/cjs/index.cjs.
  const root = resolve(
    dirname(createRequire(import.meta.url).resolve("@sparticuz/chromium")),
    "../..",
  );
  const { version } = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as {
    version: string;
  };
  const dir = resolve(import.meta.dirname, "../node_modules/.cache", `chromium-${version}`);
  const executable = join(dir, "chromium");
  if (existsSync(executable)) return executable;
  await mkdir(dir, { recursive: true });
  const partial = `${executable}.${process.pid}.partial`;
  try {
    await pipeline(
      createReadStream(join(root, "bin/chromium.br")),
      createBrotliDecompress(),
      createWriteStream(partial, { mode: 0o755 }),
    );
    await rename(partial, executable);
  } finally {
    await rm(partial, { force: true });
  }
  return executable;
}
