/** Replay of recorded provider responses, compared byte for byte with the fixture files. */

import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { RECORDED_FIXTURES } from "./fixture-replay.ts";
import { startSimulator, type Simulator } from "./server.ts";
import {
  STREAMED_COMPLETION,
  STREAMED_MESSAGE,
  anthropicRequest,
  decode,
  openaiRequest,
  readBody,
} from "./test-client.ts";

const fixturesPresent = existsSync(RECORDED_FIXTURES);
if (!fixturesPresent && process.env.CI === "true") {
  throw new Error(`recorded fixtures are missing in CI: ${RECORDED_FIXTURES}`);
}

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

async function fixtureBytes(path: string): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await Bun.file(join(RECORDED_FIXTURES, path)).bytes());
}

function messages(init: BunFetchRequestInit = {}): Promise<Response> {
  return fetch(`${sim.url}/anthropic/v1/messages`, anthropicRequest(STREAMED_MESSAGE, init));
}

function completions(init: BunFetchRequestInit = {}): Promise<Response> {
  return fetch(`${sim.url}/openai/v1/chat/completions`, openaiRequest(STREAMED_COMPLETION, init));
}

describe.skipIf(!fixturesPresent)("cassette replay", () => {
  test("gzip cassette re-encodes body", async () => {
    const fixture = "simonw-llm/anthropic/test_stream_events_thinking.0.sse";
    sim.enqueue({ fixture });
    const response = await messages({ decompress: false });
    const raw = await readBody(response);

    expect(response.status).toBe(200);
    expect(response.headers.get("content-encoding")).toBe("gzip");
    expect(response.headers.get("request-id")).toBe("req_011CZknLUJYvpB2LarebrVDv");
    expect(response.headers.get("anthropic-ratelimit-requests-remaining")).toBe("19999");
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const inflated = new Uint8Array(Bun.gunzipSync(new Uint8Array(raw.bytes)));
    expect(inflated).toEqual(await fixtureBytes(fixture));
  });

  test("plain cassette body is verbatim", async () => {
    const fixture = "simonw-llm/openai-chat/test_tool_use_basic.0.sse";
    sim.enqueue({ fixture });
    const response = await completions();
    const result = await readBody(response);

    expect(response.headers.get("content-encoding")).toBeNull();
    expect(response.headers.get("x-request-id")).toBe("req_c3e995e7a86953713a6dc1b17e399fd5");
    expect(response.headers.get("openai-processing-ms")).toBe("547");
    expect(response.headers.getSetCookie()).toHaveLength(2);
    expect(new Uint8Array(result.bytes)).toEqual(await fixtureBytes(fixture));
  });

  test("cassette yaml body as recorded", async () => {
    sim.enqueue({ fixture: "simonw-llm/openai-chat/test_tool_use_chain_of_two_calls.yaml#2" });
    const response = await completions({ decompress: false });
    const raw = new Uint8Array(await response.arrayBuffer());
    const json = JSON.parse(decode(Bun.gunzipSync(raw)));

    expect(response.headers.get("content-encoding")).toBe("gzip");
    expect(json.id).toBe("chatcmpl-BWpGTZY785VsZipCO0bAvF7Z7tjdA");
    expect(json.choices[0].message.content).toBe("YES");
  });

  test("SDK reads replayed tool stream", async () => {
    sim.enqueue({ fixture: "simonw-llm/anthropic/test_stream_events_tool_calls.0.sse" });
    const client = new Anthropic({ apiKey: "k", baseURL: `${sim.url}/anthropic`, maxRetries: 0 });
    const message = await client.messages.stream(STREAMED_MESSAGE).finalMessage();

    expect(message.id).toStartWith("msg_01");
    expect(message.content.some((block) => block.type === "tool_use")).toBe(true);
    expect(message.stop_reason).toBe("tool_use");
  });

  test("faults apply to replays", async () => {
    sim.enqueue({ fixture: "simonw-llm/openai-chat/test_tool_use_basic.0.sse", cutAfterEvents: 2 });
    const result = await readBody(await completions());
    const expected = decode(await fixtureBytes("simonw-llm/openai-chat/test_tool_use_basic.0.sse"));

    expect(result.errorCode).toBe("ECONNRESET");
    expect(expected).toStartWith(decode(result.bytes));
    expect(decode(result.bytes).split("\n\n")).toHaveLength(3);
  });
});

describe.skipIf(!fixturesPresent)("vercel-ai replay", () => {
  test("json body is verbatim", async () => {
    const fixture = "vercel-ai/anthropic/anthropic-text.json";
    sim.enqueue({ fixture });
    const response = await messages();

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("request-id")).toMatch(/^req_011C/);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(await fixtureBytes(fixture));
  });

  test("anthropic chunks get event lines", async () => {
    const fixture = "vercel-ai/anthropic/anthropic-text.chunks.txt";
    sim.enqueue({ fixture });
    const text = decode((await readBody(await messages())).bytes);
    const lines = decode(await fixtureBytes(fixture)).split("\n").filter((line) => line !== "");
    const expected = lines.map((line) => `event: ${JSON.parse(line).type}\ndata: ${line}\n\n`);

    expect(text).toBe(expected.join(""));
  });

  test("openai chunks end with DONE", async () => {
    const fixture = "vercel-ai/openai-chat/openai-text.chunks.txt";
    sim.enqueue({ fixture });
    const client = new OpenAI({ apiKey: "k", baseURL: `${sim.url}/openai/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({ ...STREAMED_COMPLETION, stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";

    sim.enqueue({ fixture });
    const raw = decode((await readBody(await completions())).bytes);
    expect(text).toStartWith("**Holiday Name:**");
    expect(raw).toStartWith('data: {"id":"chatcmpl-D8Z5oo6uDh67AD85p73ksdT1KxhE0"');
    expect(raw).toEndWith("}\n\ndata: [DONE]\n\n");
  });
});

describe("fixture checks", () => {
  test.skipIf(!fixturesPresent)("Bedrock chunks replay as event stream", async () => {
    sim.enqueue({ fixture: "vercel-ai/amazon-bedrock/amazon-bedrock-text.chunks.txt" });
    const response = await completions();
    const bytes = new Uint8Array(await response.arrayBuffer());

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/vnd.amazon.eventstream");
    // The first message's prelude gives its total length, which must fit in the body.
    const firstLength = new DataView(bytes.buffer).getUint32(0);
    expect(firstLength).toBeGreaterThan(16);
    expect(firstLength).toBeLessThan(bytes.length);
  });

  test("missing fixture is rejected", () => {
    expect(() => sim.enqueue({ fixture: "simonw-llm/nope.0.sse" })).toThrow(/fixture not found/);
  });

  test("path outside fixtures is rejected", () => {
    const outside = "../../main/package.json";
    expect(() => sim.enqueue({ fixture: outside })).toThrow(/leaves the fixtures/);
  });
});
