import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ChatRequest } from "../../../runtime/canonical/chat.ts";
import { azureCodec } from "../../../runtime/providers/azure/codec.ts";
import { DEFAULT_API_VERSION } from "../../../runtime/providers/azure/deployment-request.ts";
import type { Target, UpstreamRequest } from "../../../runtime/providers/codec.ts";
import { type Simulator, startSimulator } from "../../simulator/server.ts";

/** What the simulated Azure resource received, with the simulator's `/azure` prefix removed. */
interface SeenRequest {
  status: number;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: Record<string, unknown>;
}

let sim: Simulator;
let origin = "";

beforeAll(async () => {
  sim = await startSimulator();
  origin = `${sim.url}/azure`;
});
afterAll(() => sim.close());

const CHAT: ChatRequest = {
  model: "client-model",
  messages: [{ role: "user", content: "Hi" }],
  temperature: 0.2,
};

function target(overrides: Partial<Target> = {}): Target {
  return {
    provider: "azure-test",
    baseUrl: origin,
    apiKey: "azure-key",
    headers: {},
    upstreamModel: "gpt4o-prod",
    ...overrides,
  };
}

async function send(request: UpstreamRequest): Promise<SeenRequest> {
  const response = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
  await response.arrayBuffer();

  const received = sim.requests.at(-1)!;
  const url = new URL(received.path, sim.url);
  return {
    status: response.status,
    path: url.pathname.replace(/^\/azure/, ""),
    query: url.searchParams,
    headers: new Headers(received.headers),
    body: received.body as Record<string, unknown>,
  };
}

interface UrlCase {
  name: string;
  baseSuffix: string;
  deployment: string;
  path: string;
  apiVersion: string;
  extraQuery: [string, string][];
}

const URL_CASES: UrlCase[] = [
  { name: "bare resource", baseSuffix: "", deployment: "gpt4o-prod",
    path: "/openai/deployments/gpt4o-prod/chat/completions", apiVersion: DEFAULT_API_VERSION,
    extraQuery: [] },
  { name: "trailing slash", baseSuffix: "/", deployment: "gpt4o-prod",
    path: "/openai/deployments/gpt4o-prod/chat/completions", apiVersion: DEFAULT_API_VERSION,
    extraQuery: [] },
  { name: "base ends in /openai", baseSuffix: "/openai/", deployment: "gpt4o-prod",
    path: "/openai/deployments/gpt4o-prod/chat/completions", apiVersion: DEFAULT_API_VERSION,
    extraQuery: [] },
  { name: "api-version on base", baseSuffix: "?api-version=2025-01-01-preview",
    deployment: "gpt4o-prod", path: "/openai/deployments/gpt4o-prod/chat/completions",
    apiVersion: "2025-01-01-preview", extraQuery: [] },
  { name: "other query kept", baseSuffix: "/?foo=bar&api-version=2024-06-01",
    deployment: "gpt4o-prod", path: "/openai/deployments/gpt4o-prod/chat/completions",
    apiVersion: "2024-06-01", extraQuery: [["foo", "bar"]] },
  { name: "gateway path prefix", baseSuffix: "/apim/", deployment: "gpt4o-prod",
    path: "/apim/openai/deployments/gpt4o-prod/chat/completions",
    apiVersion: DEFAULT_API_VERSION, extraQuery: [] },
  { name: "deployment escaped", baseSuffix: "", deployment: "my deploy/1",
    path: "/openai/deployments/my%20deploy%2F1/chat/completions",
    apiVersion: DEFAULT_API_VERSION, extraQuery: [] },
];

describe("azure chat URL", () => {
  for (const testCase of URL_CASES) {
    test(testCase.name, async () => {
      const azure = target({
        baseUrl: `${origin}${testCase.baseSuffix}`,
        upstreamModel: testCase.deployment,
      });
      const seen = await send(azureCodec.encodeChatRequest(CHAT, azure));

      expect(seen.path).toBe(testCase.path);
      // The simulated resource serves no path prefix, so only that case is its 404.
      expect(seen.status).toBe(testCase.path.startsWith("/openai/") ? 200 : 404);
      expect(seen.query.get("api-version")).toBe(testCase.apiVersion);
      expect(seen.query.getAll("api-version")).toHaveLength(1);
      for (const [name, value] of testCase.extraQuery) expect(seen.query.get(name)).toBe(value);
    });
  }

  test("default api-version is GA 2024-10-21", () => {
    expect(DEFAULT_API_VERSION).toBe("2024-10-21");
  });
});

interface AuthCase {
  name: string;
  apiKey: string | null;
  headers: Record<string, string>;
  apiKeyHeader: string | null;
  authorization: string | null;
}

const AUTH_CASES: AuthCase[] = [
  { name: "api-key by default", apiKey: "azure-key", headers: {}, apiKeyHeader: "azure-key",
    authorization: null },
  { name: "Entra token replaces api-key", apiKey: "azure-key",
    headers: { Authorization: "Bearer entra-token" }, apiKeyHeader: null,
    authorization: "Bearer entra-token" },
  { name: "lower-case authorization", apiKey: "azure-key",
    headers: { authorization: "Bearer entra-token" }, apiKeyHeader: null,
    authorization: "Bearer entra-token" },
  { name: "Entra token without key", apiKey: null,
    headers: { authorization: "Bearer entra-token" }, apiKeyHeader: null,
    authorization: "Bearer entra-token" },
  { name: "no credential sends none", apiKey: null, headers: {}, apiKeyHeader: null,
    authorization: null },
  { name: "configured api-key wins", apiKey: "azure-key", headers: { "API-Key": "other-key" },
    apiKeyHeader: "other-key", authorization: null },
];

describe("azure auth headers", () => {
  for (const testCase of AUTH_CASES) {
    test(testCase.name, async () => {
      const azure = target({ apiKey: testCase.apiKey, headers: testCase.headers });
      const seen = await send(azureCodec.encodeChatRequest(CHAT, azure));

      expect(seen.headers.get("api-key")).toBe(testCase.apiKeyHeader);
      expect(seen.headers.get("authorization")).toBe(testCase.authorization);
      const credential = testCase.apiKeyHeader ?? testCase.authorization;
      expect(seen.status).toBe(credential === null ? 401 : 200);
      expect(seen.headers.get("content-type")).toBe("application/json");
    });
  }

  test("extra configured header sent", async () => {
    const azure = target({ headers: { "x-ms-client-request-id": "abc" } });
    const seen = await send(azureCodec.encodeChatRequest(CHAT, azure));

    expect(seen.headers.get("x-ms-client-request-id")).toBe("abc");
    expect(seen.headers.get("api-key")).toBe("azure-key");
  });
});

describe("azure request body", () => {
  test("chat body is the OpenAI body", async () => {
    const seen = await send(azureCodec.encodeChatRequest(CHAT, target()));

    expect(seen.status).toBe(200);
    expect(seen.body.model).toBe("gpt4o-prod");
    expect(seen.body.messages).toEqual(CHAT.messages);
    expect(seen.body.temperature).toBe(0.2);
    expect(seen.body.stream_options).toBeUndefined();
  });

  test("stream requests usage", async () => {
    const seen = await send(azureCodec.encodeChatRequest({ ...CHAT, stream: true }, target()));

    expect(seen.body.stream).toBe(true);
    expect(seen.body.stream_options).toEqual({ include_usage: true });
  });

  test("embeddings URL, auth and body", async () => {
    const azure = target({ upstreamModel: "embed-small", baseUrl: `${origin}/` });
    const request = { model: "client-embed", input: ["a", "b"], dimensions: 256 };
    const encoded = azureCodec.encodeEmbeddingRequest!(request, azure);
    const seen = await send(encoded);

    expect(encoded.method).toBe("POST");
    expect(seen.status).toBe(200);
    expect(seen.path).toBe("/openai/deployments/embed-small/embeddings");
    expect(seen.query.get("api-version")).toBe(DEFAULT_API_VERSION);
    expect(seen.headers.get("api-key")).toBe("azure-key");
    expect(seen.body).toEqual({ model: "embed-small", input: ["a", "b"], dimensions: 256 });
  });

  test("capabilities allow n and embeddings", () => {
    expect(azureCodec.type).toBe("azure");
    expect(azureCodec.capabilities).toEqual({ multipleChoices: true, embeddings: true });
  });
});
