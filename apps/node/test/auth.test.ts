import { request } from "node:http";
import { ConfigError, parseConfig } from "@thinkgate/gateway";
import OpenAI, { APIError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../src/server.js";
import { ask, type Harness, startHarness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness(
    {
      server: { host: "127.0.0.1", auth: "keys" },
      keys: [
        { key: "tg-test-alice-0001", tenant: "alice", models: ["qwq-32b"] },
        { key: "tg-test-bob-0002", tenant: "bob" },
      ],
    },
    "tg-test-alice-0001",
  );
});
afterAll(() => h.close());

function clientWith(apiKey: string) {
  return new OpenAI({ baseURL: `${h.server.url}/v1`, apiKey, maxRetries: 0 });
}

async function failure(pending: Promise<unknown>): Promise<APIError> {
  try {
    await pending;
  } catch (err) {
    expect(err).toBeInstanceOf(APIError);
    return err as APIError;
  }
  throw new Error("expected the request to fail");
}

describe("keys from the config file", () => {
  it("serves a key's allowed model and logs its tenant, never the key", async () => {
    const completion = await h.client.chat.completions.create({
      model: "qwq-32b",
      messages: ask(),
    });
    expect(completion.choices[0]?.message.content).toBeTruthy();
    const line = h.logs.at(-1)!;
    expect(line.tenant).toBe("alice");
    expect(JSON.stringify(h.logs)).not.toContain("tg-test-alice");
  });

  it("401 for a wrong key", async () => {
    const err = await failure(
      clientWith("tg-wrong").chat.completions.create({ model: "qwq-32b", messages: ask() }),
    );
    expect(err.status).toBe(401);
    expect(err.code).toBe("invalid_api_key");
  });

  it("403 for a model outside the key's allowlist", async () => {
    const err = await failure(
      h.client.chat.completions.create({ model: "qwq-32b-vllm", messages: ask() }),
    );
    expect(err.status).toBe(403);
  });

  it("404 model_not_found for an unknown model", async () => {
    const err = await failure(
      h.client.chat.completions.create({ model: "gpt-5", messages: ask() }),
    );
    expect(err.status).toBe(404);
    expect(err.code).toBe("model_not_found");
  });

  it("400 for a request the gateway cannot use", async () => {
    const err = await failure(h.client.chat.completions.create({ model: "qwq-32b", messages: [] }));
    expect(err.status).toBe(400);
    expect(err.param).toBe("messages");
  });

  it("lists only the models a key may use", async () => {
    const alice = (await h.client.models.list()).data.map((m) => m.id);
    expect(alice).toEqual(["qwq-32b"]);
    const bob = (await clientWith("tg-test-bob-0002").models.list()).data.map((m) => m.id);
    expect(bob).toContain("qwq-32b-ollama");
  });
});

describe('auth "none" on the Node server', () => {
  const config = (server: Record<string, unknown>) =>
    parseConfig(
      {
        server: { auth: "none", ...server },
        backends: { b: { type: "openai-compatible", baseUrl: "http://127.0.0.1:9/v1" } },
        models: { m: { targets: [{ backend: "b", model: "m" }] } },
      },
      {},
    );

  it("refuses to listen beyond loopback unless allowPublicWithoutAuth says so", async () => {
    for (const host of ["0.0.0.0", "::"]) {
      const refused = await startServer({ config: config({ host }), port: 0 }).catch((e) => e);
      expect(refused).toBeInstanceOf(ConfigError);
      expect((refused as Error).message).toMatch(/server\.auth: "none".*allowPublicWithoutAuth/);
    }
    const open = await startServer({
      config: config({ host: "0.0.0.0", allowPublicWithoutAuth: true }),
      port: 0,
    });
    await open.close();
    const loopback = await startServer({ config: config({ host: "localhost" }), port: 0 });
    await loopback.close();
  });

  it("answers a request addressed to another host name with 403 (DNS rebinding)", async () => {
    const server = await startServer({ config: config({}), port: 0 });
    try {
      const get = (host: string) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = request(
            { host: "127.0.0.1", port: server.port, path: "/v1/models", headers: { host } },
            (res) => {
              let body = "";
              res.on("data", (d) => {
                body += String(d);
              });
              res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
            },
          );
          req.on("error", reject);
          req.end();
        });
      expect((await get(`127.0.0.1:${server.port}`)).status).toBe(200);
      expect((await get(`localhost:${server.port}`)).status).toBe(200);
      const rebound = await get(`attacker.example:${server.port}`);
      expect(rebound.status).toBe(403);
      expect(JSON.parse(rebound.body).error.code).toBe("host_not_allowed");
    } finally {
      await server.close();
    }
  });
});
