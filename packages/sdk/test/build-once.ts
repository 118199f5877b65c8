// vitest globalSetup: build the package once with tsup and pack it like `npm publish` would, so
// the package tests check the very tarball users would install.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    tarball: string;
    packageDir: string;
  }
}

export default function setup(project: TestProject) {
  const packageDir = resolve(import.meta.dirname, "..");
  execFileSync(join(packageDir, "node_modules/.bin/tsup"), [], { cwd: packageDir, stdio: "pipe" });
  const packDir = mkdtempSync(join(tmpdir(), "thinkgate-pack-"));
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", packDir], {
    cwd: packageDir,
    encoding: "utf8",
  });
  const [{ filename }] = JSON.parse(out) as [{ filename: string }];
  project.provide("tarball", join(packDir, filename));
  project.provide("packageDir", packageDir);
  return () => rmSync(packDir, { recursive: true, force: true });
}
