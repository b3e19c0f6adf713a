import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MAX_QUOTED_INPUT_CHARS } from "../../runtime/errors/truncate-input.ts";
import { MAX_EVENT_MODEL_CHARS } from "../../services/gateway/src/request-record.ts";
import { type Harness, startHarness } from "../support/harness.ts";

// The harness's body limit is 1 MiB, so the huge values stay just under it.
const HUGE = 1_000_000;
/** Well above any bounded message, far below the echoed megabyte. */
const MAX_ERROR_BODY_BYTES = 4096;

let harness: Harness;
let key: string;
beforeAll(async () => {
  harness = await startHarness();
  key = await harness.createKey();
});
afterAll(async () => {
  await harness.close();
});

function post(path: string, body: unknown, headers: Record<string, string>): Promise<Response> {
  return fetch(`${harness.gateway.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

const messages = [{ role: "user", content: "hi" }];

describe("error messages quoting client input", () => {
  test("huge model name on chat completions", async () => {
    const model = "r".repeat(HUGE);
    const response = await post("/v1/chat/completions", { model, messages },
      { authorization: `Bearer ${key}` });
    const text = await response.text();

    expect(response.status).toBe(404);
    expect(text.length).toBeLessThan(MAX_ERROR_BODY_BYTES);
    const body = JSON.parse(text) as {
      error: { message: string; type: string; code: string; param: string; request_id: string };
    };
    expect(body.error.code).toBe("model_not_found");
    expect(body.error.type).toBe("not_found_error");
    expect(body.error.param).toBe("model");
    expect(body.error.message).toContain(`${"r".repeat(MAX_QUOTED_INPUT_CHARS)}…`);
    expect(body.error.message).toContain(`(${HUGE} characters)`);

    const event = await harness.event(body.error.request_id);
    expect(event?.status).toBe(404);
    expect(event?.model?.length).toBeLessThan(MAX_EVENT_MODEL_CHARS + 40);
    expect(String(event?.detail.error_message).length).toBeLessThan(MAX_ERROR_BODY_BYTES);
  });

  test("huge model name on messages", async () => {
    const model = "r".repeat(HUGE);
    const response = await post("/v1/messages", { model, max_tokens: 16, messages },
      { "x-api-key": key, "anthropic-version": "2023-06-01" });
    const text = await response.text();

    expect(response.status).toBe(404);
    expect(text.length).toBeLessThan(MAX_ERROR_BODY_BYTES);
    const body = JSON.parse(text) as {
      type: string;
      error: { type: string; message: string; details: { error_code: string } };
      request_id: string;
    };
    expect(body.type).toBe("error");
    expect(body.error.type).toBe("not_found_error");
    expect(body.error.details.error_code).toBe("model_not_found");
    expect(body.error.message).toContain(`(${HUGE} characters)`);
  });

  test("huge unknown field name", async () => {
    const field = "f".repeat(HUGE);
    const response = await post("/v1/chat/completions",
      { model: "gpt-test", messages, [field]: 1 }, { authorization: `Bearer ${key}` });
    const text = await response.text();

    expect(response.status).toBe(400);
    expect(text.length).toBeLessThan(MAX_ERROR_BODY_BYTES);
    const body = JSON.parse(text) as { error: { code: string; message: string; param: string } };
    expect(body.error.code).toBe("unknown_parameter");
    expect(body.error.message).toContain(`(${HUGE} characters)`);
    expect(body.error.param.length).toBeLessThan(MAX_QUOTED_INPUT_CHARS + 40);
  });

  test("short model name quoted whole", async () => {
    const response = await post("/v1/chat/completions", { model: "no-such-model", messages },
      { authorization: `Bearer ${key}` });
    const body = (await response.json()) as { error: { message: string } };

    expect(response.status).toBe(404);
    expect(body.error.message).toBe(
      "The model 'no-such-model' does not exist or is not available for chat requests.");
  });
});
