import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt, decodeProtectedHeader } from "jose";
import type { ChatRequest } from "../../../runtime/canonical/chat.ts";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import type { SendContext, Target, UpstreamRequest } from "../../../runtime/providers/codec.ts";
import { createVertexCodec } from "../../../runtime/providers/vertex/codec.ts";
import { AccessTokenCache } from "../../../runtime/providers/vertex/token-cache.ts";
import { issueVertexToken } from "../../simulator/vertex-accounts.ts";
import { type Simulator, startSimulator } from "../../simulator/server.ts";
import { createServiceAccount, type TestServiceAccount } from "./service-account.ts";

const CHAT: ChatRequest = { model: "client", messages: [{ role: "user", content: "Hello" }] };

let simulator: Simulator;
let account: TestServiceAccount;
let tempDir: string;

beforeAll(async () => {
  simulator = await startSimulator();
  account = await createServiceAccount({
    tokenUri: `${simulator.url}/vertex/token`,
    name: "send-test",
  });
  tempDir = mkdtempSync(join(tmpdir(), "nexus-vertex-send-"));
});

afterAll(async () => {
  account.unregister();
  await simulator.close();
  rmSync(tempDir, { recursive: true, force: true });
});

beforeEach(() => simulator.reset());

function targetFor(credential: string, upstreamModel = "gemini-2.5-flash"): Target {
  return {
    provider: "vertex-test",
    baseUrl: `${simulator.url}/vertex`,
    apiKey: null,
    headers: {},
    upstreamModel,
    region: "us-east5",
    project: "nexus-test",
    credentials: { serviceAccount: credential },
  };
}

function sendContext(signal = new AbortController().signal): SendContext {
  return {
    signal,
    stream: false,
    addSecret: () => undefined,
    fetch: (one: UpstreamRequest) =>
      fetch(one.url, { method: one.method, headers: one.headers, body: one.body, signal }),
  };
}

/** Sends one chat request with `codec` and returns the upstream status. */
async function sendChat(
  codec: ReturnType<typeof createVertexCodec>,
  target: Target,
): Promise<number> {
  const request = codec.encodeChatRequest(CHAT, target);
  const response = await codec.send!(request, target, sendContext());
  await response.arrayBuffer();
  return response.status;
}

function tokenRequests() {
  return simulator.requests.filter((request) => request.path === "/vertex/token");
}

async function sendFailure(codec: ReturnType<typeof createVertexCodec>, target: Target) {
  const failure = await sendChat(codec, target).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(NexusError);
  return failure as NexusError;
}

describe("vertex send", () => {
  test("mints with a signed JWT assertion", async () => {
    const codec = createVertexCodec();
    expect(await sendChat(codec, targetFor(account.json))).toBe(200);

    const [mint] = tokenRequests();
    expect(mint?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    const form = new URLSearchParams(String(mint?.body));
    expect(form.get("grant_type")).toBe("urn:ietf:params:oauth:grant-type:jwt-bearer");

    const assertion = form.get("assertion") ?? "";
    expect(decodeProtectedHeader(assertion)).toEqual({
      alg: "RS256",
      typ: "JWT",
      kid: account.keyId,
    });
    const claims = decodeJwt(assertion);
    expect(claims.iss).toBe(account.clientEmail);
    expect(claims.aud).toBe(`${simulator.url}/vertex/token`);
    expect(claims.scope).toBe("https://www.googleapis.com/auth/cloud-platform");
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600);

    const call = simulator.requests.at(-1);
    expect(call?.headers.authorization).toMatch(/^Bearer ya29\.sim-/);
    expect(call?.headers["x-goog-api-key"]).toBeUndefined();
  });

  test("two requests mint once", async () => {
    const codec = createVertexCodec();
    expect(await sendChat(codec, targetFor(account.json))).toBe(200);
    expect(await sendChat(codec, targetFor(account.json))).toBe(200);
    expect(tokenRequests()).toHaveLength(1);
    const tokens = simulator.requests
      .filter((request) => request.path !== "/vertex/token")
      .map((request) => request.headers.authorization);
    expect(tokens[0]).toBe(tokens[1]!);
  });

  test("near expiry mints before the old token expires", async () => {
    let now = Date.now();
    const codec = createVertexCodec(new AccessTokenCache({ now: () => now }));
    expect(await sendChat(codec, targetFor(account.json))).toBe(200);
    const firstToken = simulator.requests.at(-1)?.headers.authorization;

    // 56 minutes later the 3599 s token still has 3 minutes left, inside the refresh margin.
    now += 56 * 60_000;
    expect(await sendChat(codec, targetFor(account.json))).toBe(200);
    expect(tokenRequests()).toHaveLength(2);
    expect(simulator.requests.at(-1)?.headers.authorization).not.toBe(firstToken!);
  });

  test("concurrent first requests mint once", async () => {
    const codec = createVertexCodec();
    const statuses = await Promise.all(
      Array.from({ length: 6 }, () => sendChat(codec, targetFor(account.json))),
    );
    expect(statuses).toEqual(Array(6).fill(200));
    expect(tokenRequests()).toHaveLength(1);
  });

  test("key file path works as credential", async () => {
    const file = join(tempDir, "service-account.json");
    writeFileSync(file, account.json);
    expect(await sendChat(createVertexCodec(), targetFor(file))).toBe(200);
    expect(tokenRequests()).toHaveLength(1);
  });

  test("ready access token skips minting", async () => {
    issueVertexToken("ready-made-token", 600);
    const target = { ...targetFor(account.json), apiKey: "ready-made-token" };
    expect(await sendChat(createVertexCodec(), target)).toBe(200);
    expect(tokenRequests()).toHaveLength(0);
    expect(simulator.requests.at(-1)?.headers.authorization).toBe("Bearer ready-made-token");
  });

  test("wrong signature fails clearly", async () => {
    const impostor = await createServiceAccount({
      tokenUri: `${simulator.url}/vertex/token`,
      name: "send-impostor",
      registerOtherKey: true,
    });
    try {
      const failure = await sendFailure(createVertexCodec(), targetFor(impostor.json));
      expect(failure.code).toBe("upstream_auth_failed");
      expect(failure.status).toBe(401);
      expect(failure.message).toContain("Invalid JWT Signature");
      const assertion = new URLSearchParams(String(tokenRequests()[0]?.body)).get("assertion");
      expect(failure.message).not.toContain(assertion ?? "no assertion");
      expect(failure.message).not.toContain("PRIVATE KEY");
      expect(simulator.requests).toHaveLength(1);
    } finally {
      impostor.unregister();
    }
  });

  test("token endpoint 500 is a 502", async () => {
    simulator.enqueue({ match: { provider: "vertex", path: "/token" }, status: 500 });
    const failure = await sendFailure(createVertexCodec(), targetFor(account.json));
    expect(failure.code).toBe("upstream_error");
    expect(failure.status).toBe(502);
    expect(failure.message).toContain("HTTP 500");
  });

  test("a minted token is registered for redaction", async () => {
    const codec = createVertexCodec();
    const secrets: string[] = [];
    const target = targetFor(account.json);
    const request = codec.encodeChatRequest(CHAT, target);
    const context = { ...sendContext(), addSecret: (value: string) => secrets.push(value) };
    await (await codec.send!(request, target, context)).arrayBuffer();

    const sent = simulator.requests.at(-1)?.headers.authorization ?? "";
    expect(secrets).toEqual([sent.replace(/^Bearer /, "")]);
  });

  test("a malformed token is refused and not cached", async () => {
    const codec = createVertexCodec();
    simulator.enqueue({
      match: { provider: "vertex", path: "/token" },
      status: 200,
      body: { access_token: "tok with spaces\r\nx-evil: 1", expires_in: 3600 },
    });
    const failure = await sendFailure(codec, targetFor(account.json));
    expect(failure.status).toBe(502);
    expect(failure.message).toContain("malformed token");
    expect(await sendChat(codec, targetFor(account.json))).toBe(200);
  });

  test("failed mint is retried next request", async () => {
    const codec = createVertexCodec();
    simulator.enqueue({ match: { provider: "vertex", path: "/token" }, status: 503 });
    await sendFailure(codec, targetFor(account.json));
    expect(await sendChat(codec, targetFor(account.json))).toBe(200);
    expect(tokenRequests()).toHaveLength(2);
  });

  test("unreachable token endpoint is a 502", async () => {
    const unreachable = await createServiceAccount({
      tokenUri: "http://127.0.0.1:9/token",
      name: "send-unreachable",
    });
    try {
      const failure = await sendFailure(createVertexCodec(), targetFor(unreachable.json));
      expect(failure.code).toBe("upstream_error");
      expect(failure.status).toBe(502);
    } finally {
      unreachable.unregister();
    }
  });

  const BAD_CREDENTIALS = [
    { name: "not JSON", credential: "{not json", reason: "not valid JSON" },
    { name: "missing field", credential: '{"client_email":"a@b"}', reason: "'private_key'" },
    { name: "missing file", credential: join("/nonexistent", "sa.json"), reason: "read" },
  ];
  for (const bad of BAD_CREDENTIALS) {
    test(`credential ${bad.name} is rejected`, async () => {
      const failure = await sendFailure(createVertexCodec(), targetFor(bad.credential));
      expect(failure.code).toBe("provider_credentials_missing");
      expect(failure.message).toContain(bad.reason);
      expect(failure.message).not.toContain(bad.credential);
      expect(simulator.requests).toHaveLength(0);
    });
  }

  test("invalid private key is rejected", async () => {
    const parsed = JSON.parse(account.json) as Record<string, string>;
    const broken = JSON.stringify({ ...parsed, private_key: "-----BEGIN PRIVATE KEY-----x" });
    const failure = await sendFailure(createVertexCodec(), targetFor(broken));
    expect(failure.code).toBe("provider_credentials_missing");
    expect(failure.message).not.toContain("-----BEGIN");
  });

  test("rejected token is dropped from the cache", async () => {
    const codec = createVertexCodec();
    expect(await sendChat(codec, targetFor(account.json))).toBe(200);
    simulator.enqueue({ match: { provider: "vertex", path: ":generateContent" }, status: 401 });
    expect(await sendChat(codec, targetFor(account.json))).toBe(401);
    expect(await sendChat(codec, targetFor(account.json))).toBe(200);
    expect(tokenRequests()).toHaveLength(2);
  });
});
