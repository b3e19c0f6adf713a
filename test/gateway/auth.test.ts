import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

function chat(headers: Record<string, string>, model = "claude-test"): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
  });
}

async function expectError(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: { code: string; type: string } };
  expect(body.error.code).toBe(code);
  expect(typeof body.error.type).toBe("string");
  expect(response.headers.get("x-request-id")).toBeTruthy();
}

describe("virtual keys", () => {
  test("bearer key is accepted", async () => {
    const key = await harness.createKey();
    const response = await chat({ authorization: `Bearer ${key}` });
    expect(response.status).toBe(200);
  });

  test("x-api-key is accepted", async () => {
    const key = await harness.createKey();
    const response = await chat({ "x-api-key": key });
    expect(response.status).toBe(200);
  });

  test("missing key is 401", async () => {
    await expectError(await chat({}), 401, "missing_api_key");
  });

  test("wrong key is 401", async () => {
    await expectError(await chat({ authorization: "Bearer nx-not-a-real-key" }), 401,
      "invalid_api_key");
  });

  test("revoked key is 401", async () => {
    const secret = await harness.createKey();
    const keys = await harness.gateway.context.keys.list();
    const id = keys[keys.length - 1]?.id ?? "";
    await harness.gateway.context.keys.revoke(id, Date.now());
    await expectError(await chat({ authorization: `Bearer ${secret}` }), 401, "api_key_revoked");
  });

  test("expired key is 401", async () => {
    const secret = await harness.createKey({ expiresAt: Date.now() + 50 });
    await Bun.sleep(80);
    await expectError(await chat({ authorization: `Bearer ${secret}` }), 401, "api_key_expired");
  });

  test("model outside scope is 403", async () => {
    const secret = await harness.createKey({ models: ["gpt-*"] });
    await expectError(await chat({ authorization: `Bearer ${secret}` }), 403,
      "model_not_allowed");
  });

  test("alias matches scope by configured name", async () => {
    const secret = await harness.createKey({ models: ["claude-test"] });
    const response = await chat({ authorization: `Bearer ${secret}` }, "claude");
    expect(response.status).toBe(200);
  });

  test("unknown model is 404", async () => {
    const secret = await harness.createKey();
    await expectError(await chat({ authorization: `Bearer ${secret}` }, "no-such-model"), 404,
      "model_not_found");
  });

  test("only a digest is stored", async () => {
    const secret = await harness.createKey();
    const db = harness.gateway.context.keys;
    const rows = JSON.stringify(await db.list());
    expect(rows.includes(secret)).toBe(false);
  });
});

describe("GET /v1/models", () => {
  test("lists only models in scope", async () => {
    const secret = await harness.createKey({ models: ["gpt-*", "embed-*"] });
    const response = await fetch(`${harness.gateway.url}/v1/models`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { object: string; data: { id: string }[] };
    expect(body.object).toBe("list");
    expect(body.data.map((m) => m.id).sort()).toEqual(["embed-test", "gpt-test"]);
  });

  test("needs a key", async () => {
    const response = await fetch(`${harness.gateway.url}/v1/models`);
    await expectError(response, 401, "missing_api_key");
  });
});
