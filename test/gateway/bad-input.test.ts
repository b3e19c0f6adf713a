import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let key: string;
beforeAll(async () => {
  harness = await startHarness();
  key = await harness.createKey();
});
afterAll(async () => {
  await harness.close();
});

function post(body: BodyInit, path = "/v1/chat/completions"): Promise<Response> {
  return fetch(`${harness.gateway.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body,
  });
}

interface ErrorBody {
  error: { code: string; message: string; param: string | null; request_id: string };
}

/** Checks the error shape and that the failed request still left its traffic event. */
async function expectRejected(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(10);
  const event = await harness.event(body.error.request_id);
  expect(event?.status).toBe(status);
  expect(event?.errorCode).toBe(code);
  return body;
}

const cases: { name: string; body: string; status: number; code: string; param?: string }[] = [
  { name: "malformed JSON", body: '{"model": "gpt-test", "messages": [', status: 400,
    code: "invalid_json" },
  { name: "empty body", body: "", status: 400, code: "invalid_json" },
  { name: "JSON array", body: "[1,2]", status: 400, code: "invalid_request" },
  { name: "messages wrong type", body: '{"model":"gpt-test","messages":"hi"}', status: 400,
    code: "invalid_request", param: "messages" },
  { name: "temperature wrong type",
    body: '{"model":"gpt-test","messages":[{"role":"user","content":"x"}],"temperature":"hot"}',
    status: 400, code: "invalid_request", param: "temperature" },
  { name: "bad role",
    body: '{"model":"gpt-test","messages":[{"role":"robot","content":"x"}]}',
    status: 400, code: "invalid_request", param: "messages.0.role" },
  { name: "missing model", body: '{"messages":[{"role":"user","content":"x"}]}', status: 400,
    code: "invalid_request", param: "model" },
  { name: "unknown field",
    body: '{"model":"gpt-test","messages":[{"role":"user","content":"x"}],"temprature":1}',
    status: 400, code: "unknown_parameter", param: "temprature" },
];

describe("bad input on chat completions", () => {
  for (const c of cases) {
    test(c.name, async () => {
      const body = await expectRejected(await post(c.body), c.status, c.code);
      if (c.param !== undefined) expect(body.error.param).toBe(c.param);
    });
  }

  test("10 MB body is 413", async () => {
    const huge = JSON.stringify({
      model: "gpt-test",
      messages: [{ role: "user", content: "x".repeat(10 * 1024 * 1024) }],
    });
    await expectRejected(await post(huge), 413, "body_too_large");
  });

  test("10 MB chunked body is 413", async () => {
    const piece = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 10 * 1024 * 1024) return controller.close();
        sent += piece.byteLength;
        controller.enqueue(piece);
      },
    });
    await expectRejected(await post(stream), 413, "body_too_large");
  });

  test("bad embeddings input is 400", async () => {
    const response = await post('{"model":"embed-test","input":42}', "/v1/embeddings");
    await expectRejected(response, 400, "invalid_request");
  });

  test("unknown route is 404 in OpenAI shape", async () => {
    const response = await post("{}", "/v1/nothing-here");
    expect(response.status).toBe(404);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe("route_not_found");
  });

  test("gateway still serves after bad input", async () => {
    const response = await post(
      JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "still up?" }] }),
    );
    expect(response.status).toBe(200);
    // None of the rejected requests above reached the provider.
    expect(harness.simulator.requests.length).toBe(1);
  });
});
