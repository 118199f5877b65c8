import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseConfig } from "@thinkgate/gateway";
import { describe, expect, it } from "vitest";

// No image can be built here, so the container files are held to what the bundle test runs:
// the Dockerfile ships the file `pnpm build` writes, and compose's config is one the gateway
// accepts, at the path the image reads.

const root = fileURLToPath(new URL("../../../", import.meta.url));
const read = (path: string) => readFile(`${root}${path}`, "utf8");

describe("the container files", () => {
  it("ship the bundle that pnpm build writes, run by plain node as a non-root user", async () => {
    const dockerfile = await read("Dockerfile");
    const build = await read("apps/node/build.mjs");
    expect(build).toContain("dist/server.mjs");
    expect(dockerfile).toMatch(
      /COPY --from=build \/src\/apps\/node\/dist\/server\.mjs \/app\/server\.mjs/,
    );
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    expect(dockerfile).toMatch(/^CMD \["node", "server\.mjs"\]$/m);
  });

  it("give compose a config the gateway accepts, mounted where the image reads it", async () => {
    const dockerfile = await read("Dockerfile");
    const compose = await read("compose.yaml");
    const configPath = /THINKGATE_CONFIG=(\S+)/.exec(dockerfile)?.[1];
    expect(configPath).toBe("/etc/thinkgate/config.json");
    expect(compose).toContain(`./deploy/config.json:${configPath}:ro`);
    const config = parseConfig(JSON.parse(await read("deploy/config.json")), {
      THINKGATE_ADMIN_TOKEN: "an-admin-token-of-some-length",
      DASHSCOPE_API_KEY: "sk-test",
    });
    expect(config.server.host).toBe("0.0.0.0");
    expect(config.store).toMatchObject({ type: "redis", url: "redis://redis:6379" });
    // The Redis service compose starts is the one the config names.
    expect(compose).toMatch(/^ {2}redis:$/m);
  });
});
