/**
 * Recorded OpenAI Responses traffic replayed through the gateway's passthrough path. The client
 * must get the provider's bytes unchanged, except each `response.model`, which names the
 * client's model; usage reaches the traffic event.
 */

import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import OpenAI from "openai";
import { parse } from "yaml";
import { FIXTURES_DIR, fixturesAvailable } from "../support/fixtures.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const RECORDED = join(FIXTURES_DIR, "recorded");
const SIMONW = "simonw-llm/openai-responses";
const VERCEL = "vercel-ai/openai-responses";
const FINAL_TYPES = new Set(["response.completed", "response.incomplete"]);

let harness: Harness;
let apiKey: string;
beforeAll(async () => {
  harness = await startHarness();
  apiKey = await harness.createKey();
});
afterAll(async () => {
  await harness.close();
});
beforeEach(() => {
  harness.simulator.reset();
});

function postResponses(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/responses`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", input: "replay", ...body }),
  });
}

/** Replaces each recorded model name in `text` with the client's. */
function withClientModel(text: string, recordedModel: string): string {
  return text
    .replaceAll(`"model":"${recordedModel}"`, `"model":"gpt-test"`)
    .replaceAll(`"model": "${recordedModel}"`, `"model": "gpt-test"`);
}

/** Frames vercel-ai chunk lines as OpenAI does on the wire, up to the first final event. */
function framedUntilFinal(chunks: string): string {
  let text = "";
  for (const line of chunks.split("\n").filter((entry) => entry.trim() !== "")) {
    const { type } = JSON.parse(line) as { type: string };
    text += `event: ${type}\ndata: ${line}\n\n`;
    if (FINAL_TYPES.has(type)) break;
  }
  return text;
}

async function fixtureText(path: string): Promise<string> {
  return await Bun.file(join(RECORDED, path)).text();
}

describe.skipIf(!fixturesAvailable())("recorded Responses traffic through passthrough", () => {
  for (const index of [0, 1]) {
    test(`simonw streamed tool run ${index} byte-exact`, async () => {
      const fixture = `${SIMONW}/test_responses_tool_use_streaming.${index}.sse`;
      harness.simulator.enqueue({ fixture });
      const response = await postResponses({ stream: true });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toStartWith("text/event-stream");

      const expected = withClientModel(await fixtureText(fixture), "gpt-5.5-2026-04-23");
      expect(await response.text()).toBe(expected);

      const event = await harness.event(response.headers.get("x-request-id") ?? "");
      const completed = expected.split("\n").find((line) => {
        return line.startsWith("data: {\"type\":\"response.completed\"");
      });
      const usage = JSON.parse(completed?.slice(6) ?? "{}").response.usage;
      expect(event?.inputTokens).toBe(usage.input_tokens);
      expect(event?.outputTokens).toBe(usage.output_tokens);
      expect(event?.cachedTokens).toBe(usage.input_tokens_details.cached_tokens);
      expect(event?.reasoningTokens).toBe(usage.output_tokens_details.reasoning_tokens);
    });
  }

  test("simonw JSON answer byte-exact after gzip", async () => {
    const cassette = `${SIMONW}/test_responses_basic_non_streaming.yaml`;
    harness.simulator.enqueue({ fixture: `${cassette}#0` });
    const response = await postResponses({});
    expect(response.status).toBe(200);

    const recorded = parse(await fixtureText(cassette)) as {
      interactions: { response: { body: { string: Uint8Array } } }[];
    };
    const gzipped = recorded.interactions[0]?.response.body.string ?? new Uint8Array();
    const body = new TextDecoder().decode(Bun.gunzipSync(new Uint8Array(gzipped)));
    expect(await response.text()).toBe(withClientModel(body, "gpt-5.5-2026-04-23"));

    const event = await harness.event(response.headers.get("x-request-id") ?? "");
    expect(event?.inputTokens).toBe(11);
    expect(event?.outputTokens).toBe(5);
    expect(event?.reasoningTokens).toBe(0);
  });

  test("vercel reasoning stream byte-exact", async () => {
    const fixture = `${VERCEL}/openai-reasoning-encrypted-content.1.chunks.txt`;
    harness.simulator.enqueue({ fixture });
    const response = await postResponses({ stream: true });
    const expected = framedUntilFinal(await fixtureText(fixture));
    expect(await response.text()).toBe(withClientModel(expected, "gpt-5.1-codex-max"));
    // The relayed reasoning item keeps its encrypted content.
    expect(expected).toContain("\"encrypted_content\":\"gAAAAABpPDIU");
  });

  test("vercel reasoning JSON byte-exact", async () => {
    const fixture = `${VERCEL}/openai-reasoning-encrypted-content.1.json`;
    harness.simulator.enqueue({ fixture });
    const response = await postResponses({});
    const recorded = await fixtureText(fixture);
    expect(await response.text()).toBe(withClientModel(recorded, "gpt-5-mini-2025-08-07"));

    const event = await harness.event(response.headers.get("x-request-id") ?? "");
    expect(event?.inputTokens).toBe(865);
    expect(event?.outputTokens).toBe(163);
    expect(event?.reasoningTokens).toBe(128);
  });

  test("vercel client tool search byte-exact", async () => {
    const fixture = `${VERCEL}/openai-client-tool-search.1.chunks.txt`;
    harness.simulator.enqueue({ fixture });
    const response = await postResponses({ stream: true });
    const expected = framedUntilFinal(await fixtureText(fixture));
    expect(await response.text()).toBe(withClientModel(expected, "gpt-5.4-2026-03-05"));
  });

  test("recorded reasoning read by the OpenAI client", async () => {
    harness.simulator.enqueue({ fixture: `${VERCEL}/openai-reasoning-encrypted-content.1.json` });
    const client = new OpenAI({ baseURL: `${harness.gateway.url}/v1`, apiKey, maxRetries: 0 });
    const answer = await client.responses.create({ model: "gpt-test", input: "2 + 3 * 4?" });
    expect(answer.model).toBe("gpt-test");
    const reasoning = answer.output.find((item) => item.type === "reasoning");
    if (reasoning?.type !== "reasoning") throw new Error("no reasoning item");
    expect(reasoning.encrypted_content).toStartWith("gAAAAA");
  });

  test("recorded error inside a stream", async () => {
    harness.simulator.enqueue({ fixture: `${VERCEL}/openai-error.1.chunks.txt` });
    const response = await postResponses({ stream: true });
    expect(response.status).toBe(200);
    const text = await response.text();
    const events = text.trim().split("\n\n");
    expect(events).toHaveLength(3);
    expect(events[0]).toStartWith("event: response.created\n");
    expect(events[1]).toStartWith("event: response.in_progress\n");
    expect(events[2]).toStartWith("event: error\n");

    const error = JSON.parse(events[2]?.split("data: ")[1] ?? "{}");
    expect(error.type).toBe("error");
    expect(error.sequence_number).toBe(2);
    expect(error.code).toBe("upstream_rate_limited");
    expect(error.error.type).toBe("rate_limit_error");
    expect(error.error.message).toContain("You exceeded your current quota");

    const event = await harness.event(response.headers.get("x-request-id") ?? "");
    expect(event?.status).toBe(429);
    expect(event?.errorCode).toBe("upstream_rate_limited");
    expect(event?.detail.failed_mid_stream).toBe(true);
  });

  test("recorded error body keeps its message", async () => {
    const body = JSON.parse(await fixtureText(`${VERCEL}/reasoning-model-temperature-error.json`));
    harness.simulator.enqueue({ status: 400, body });
    const response = await postResponses({ temperature: 0.5 });
    expect(response.status).toBe(400);
    const error = (await response.json()).error;
    expect(error.message).toBe(body.error.message);
    expect(error.message).toStartWith("Unsupported parameter: 'temperature'");
    expect(error.param).toBe("temperature");
    expect(error.type).toBe("invalid_request_error");
  });
});
