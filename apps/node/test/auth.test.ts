import OpenAI, { APIError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
