import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { importPKCS8, SignJWT } from "jose";
import {
  createServiceAccount,
  type TestServiceAccount,
} from "../providers/vertex/service-account.ts";
import { issueVertexToken } from "./vertex-accounts.ts";
import { type Simulator, startSimulator } from "./server.ts";

const SCOPE = "https://www.googleapis.com/auth/cloud-platform";
const MODELS = "/vertex/v1/projects/p/locations/us-east5/publishers";

let simulator: Simulator;
let account: TestServiceAccount;
let tokenUrl: string;

beforeAll(async () => {
  simulator = await startSimulator();
  tokenUrl = `${simulator.url}/vertex/token`;
  account = await createServiceAccount({
    tokenUri: tokenUrl,
    name: "wire",
    tokenLifetimeSeconds: 60,
  });
  issueVertexToken("wire-token", 60);
});

afterAll(async () => {
  account.unregister();
  await simulator.close();
});

interface Claims {
  iss?: string;
  aud?: string;
  scope?: string;
  lifetime?: number;
  kid?: string;
}

async function assertion(claims: Claims = {}): Promise<string> {
  const key = await importPKCS8(account.privateKeyPem, "RS256");
  const now = Math.floor(Date.now() / 1000);
  return await new SignJWT({ scope: claims.scope ?? SCOPE })
    .setProtectedHeader({ alg: "RS256", kid: claims.kid ?? account.keyId })
    .setIssuer(claims.iss ?? account.clientEmail)
    .setAudience(claims.aud ?? tokenUrl)
    .setIssuedAt(now)
    .setExpirationTime(now + (claims.lifetime ?? 3600))
    .sign(key);
}

async function requestToken(signed: string, grant = "urn:ietf:params:oauth:grant-type:jwt-bearer") {
  const response = await fetch(tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: grant, assertion: signed }).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("simulated Vertex token endpoint", () => {
  test("issues a token with the configured lifetime", async () => {
    const { status, body } = await requestToken(await assertion());
    expect(status).toBe(200);
    expect(body.token_type).toBe("Bearer");
    expect(body.expires_in).toBe(60);
    expect(String(body.access_token)).toStartWith("ya29.sim-");
  });

  const REJECTED: { name: string; claims: Claims; error: string }[] = [
    { name: "wrong issuer", claims: { iss: "other@x.iam.gserviceaccount.com" }, error: "iss" },
    { name: "wrong audience", claims: { aud: "https://oauth2.example/token" }, error: "aud" },
    { name: "missing scope", claims: { scope: "openid" }, error: "scope" },
    { name: "two-hour lifetime", claims: { lifetime: 7200 }, error: "more than one hour" },
    { name: "unknown key id", claims: { kid: "no-such-key" }, error: "account not found" },
  ];
  for (const { name, claims, error } of REJECTED) {
    test(`rejects ${name}`, async () => {
      const { status, body } = await requestToken(await assertion(claims));
      expect(status).toBe(400);
      expect(body.error).toBe("invalid_grant");
      expect(String(body.error_description)).toContain(error);
    });
  }

  test("rejects a tampered signature", async () => {
    const signed = await assertion();
    const tampered = `${signed.slice(0, -4)}AAAA`;
    const { body } = await requestToken(tampered);
    expect(body.error_description).toBe("Invalid JWT Signature.");
  });

  test("rejects another grant type", async () => {
    const { status, body } = await requestToken(await assertion(), "client_credentials");
    expect(status).toBe(400);
    expect(body.error).toBe("unsupported_grant_type");
  });
});

describe("simulated Vertex model routes", () => {
  const geminiBody = JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] });

  test("missing bearer is Google's 401", async () => {
    const response = await fetch(`${simulator.url}${MODELS}/google/models/g:generateContent`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: geminiBody,
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { code: number; status: string } };
    expect(body.error.code).toBe(401);
    expect(body.error.status).toBe("UNAUTHENTICATED");
  });

  test("unissued token is rejected", async () => {
    const response = await fetch(`${simulator.url}${MODELS}/google/models/g:generateContent`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer made-up" },
      body: geminiBody,
    });
    expect(response.status).toBe(401);
  });

  test("gemini stream is CRLF SSE", async () => {
    const url = `${simulator.url}${MODELS}/google/models/g:streamGenerateContent?alt=sse`;
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer wire-token" },
      body: geminiBody,
    });
    const text = await response.text();
    expect(text).toStartWith("data: {");
    expect(text).toEndWith("}\r\n\r\n");
  });

  const claude = (body: Record<string, unknown>) =>
    fetch(`${simulator.url}${MODELS}/anthropic/models/claude-x:rawPredict`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer wire-token" },
      body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], max_tokens: 10,
        ...body }),
    });

  test("claude needs the vertex version", async () => {
    const response = await claude({ anthropic_version: "2023-06-01" });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { type: string; error: { message: string } };
    expect(body.type).toBe("error");
    expect(body.error.message).toContain("vertex-2023-10-16");
  });

  test("claude rejects model in body", async () => {
    const response = await claude({ anthropic_version: "vertex-2023-10-16", model: "claude-x" });
    expect(response.status).toBe(400);
  });

  test("claude answers with the URL model", async () => {
    const response = await claude({ anthropic_version: "vertex-2023-10-16" });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { type: string; model: string };
    expect(body.type).toBe("message");
    expect(body.model).toBe("claude-x");
  });

  test("predict returns token counts", async () => {
    const response = await fetch(`${simulator.url}${MODELS}/google/models/e:predict`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer wire-token" },
      body: JSON.stringify({ instances: [{ content: "hello there" }],
        parameters: { outputDimensionality: 4 } }),
    });
    const body = (await response.json()) as {
      predictions: { embeddings: { values: number[]; statistics: { token_count: number } } }[];
    };
    expect(body.predictions[0]?.embeddings.values).toHaveLength(4);
    expect(body.predictions[0]?.embeddings.statistics.token_count).toBeGreaterThan(0);
  });
});
