import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { encodeChatRequest } from "../../runtime/providers/bedrock/encode-request.ts";
import { authenticate } from "../../runtime/providers/bedrock/sign.ts";
import type { Target, UpstreamRequest } from "../../runtime/providers/codec.ts";
import { SIMULATED_AWS_CREDENTIALS } from "./bedrock-auth.ts";
import { type Simulator, startSimulator } from "./server.ts";

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator();
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => sim.reset());

function target(): Target {
  return {
    provider: "bedrock",
    baseUrl: `${sim.url}/bedrock`,
    apiKey: null,
    headers: {},
    upstreamModel: "anthropic.claude-3-5-haiku-20241022-v1:0",
    region: "us-east-1",
    credentials: { ...SIMULATED_AWS_CREDENTIALS },
  };
}

function plainRequest(): UpstreamRequest {
  return encodeChatRequest({ model: "m", messages: [{ role: "user", content: "hi" }] }, target());
}

function send(request: UpstreamRequest): Promise<Response> {
  return fetch(request.url, { method: "POST", headers: request.headers, body: request.body });
}

/** Now, in SigV4's `YYYYMMDDTHHMMSSZ` form, shifted by `offsetMs`. */
function amzDate(offsetMs = 0): string {
  return new Date(Date.now() + offsetMs).toISOString().replace(/[:-]|\.\d{3}/g, "");
}

describe("simulated Bedrock authentication", () => {
  test("signed request answered", async () => {
    const response = await send(await authenticate(plainRequest(), target()));
    const body = await response.json();
    expect(response.status).toBe(200);
    expect(body.output.message.content).toEqual([{ text: "Echo: hi" }]);
    expect(body.stopReason).toBe("end_turn");
    expect(response.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("missing signature rejected", async () => {
    const response = await send(plainRequest());
    expect(response.status).toBe(403);
    expect(response.headers.get("x-amzn-errortype")).toStartWith(
      "MissingAuthenticationTokenException:",
    );
  });

  test("tampered body rejected", async () => {
    const signed = await authenticate(plainRequest(), target());
    const response = await send({ ...signed, body: signed.body.replace("hi", "ho") });
    expect(response.status).toBe(403);
    expect(response.headers.get("x-amzn-errortype")).toStartWith("InvalidSignatureException:");
    expect((await response.json()).message).toMatch(/signature we calculated does not match/);
  });

  test("stale signature rejected", async () => {
    const signed = await authenticate(plainRequest(), target(), amzDate(-20 * 60 * 1000));
    const response = await send(signed);
    expect(response.status).toBe(403);
    expect((await response.json()).message).toMatch(/Signature expired/);
  });

  test("unknown access key rejected", async () => {
    const other = { ...target(), credentials: { accessKeyId: "AKIAOTHER", secretAccessKey: "x" } };
    const response = await send(await authenticate(plainRequest(), other));
    expect(response.status).toBe(403);
    expect(response.headers.get("x-amzn-errortype")).toStartWith("UnrecognizedClientException:");
  });

  test("injected status has Bedrock shape", async () => {
    sim.enqueue({ match: { provider: "bedrock" }, status: 503 });
    const response = await send(await authenticate(plainRequest(), target()));
    expect(response.status).toBe(503);
    expect(response.headers.get("x-amzn-errortype")).toStartWith("ServiceUnavailableException:");
    const body = await response.json();
    expect(body).toEqual({ message: "Bedrock is unable to process your request." });
  });
});
