import { describe, expect, test } from "bun:test";
import type { ChatChunk } from "../../../runtime/canonical/chat.ts";
import type { SendContext, UpstreamRequest } from "../../../runtime/providers/codec.ts";
import { replicateCodec } from "../../../runtime/providers/replicate/codec.ts";
import { replicateTarget } from "./target.ts";

const BASE = "https://api.replicate.com/v1";
const GET_URL = `${BASE}/predictions/p1`;

/** A fake transport that returns, for each call, the next response, and records the call. */
function scripted(responses: Response[], stream: boolean) {
  const calls: UpstreamRequest[] = [];
  const context: SendContext = {
    signal: new AbortController().signal,
    stream,
    addSecret: () => undefined,
    fetch: (request) => {
      calls.push(request);
      const next = responses.shift();
      if (next === undefined) throw new Error(`unexpected call to ${request.url}`);
      return Promise.resolve(next);
    },
  };
  return { calls, context };
}

function prediction(status: string, extra: Record<string, unknown> = {}): Response {
  const body = { id: "p1", status, urls: { get: GET_URL, cancel: `${GET_URL}/cancel` }, ...extra };
  return Response.json(body, { status: status === "starting" ? 201 : 200 });
}

const CREATE: UpstreamRequest = {
  url: `${BASE}/models/meta/llama/predictions`,
  method: "POST",
  headers: {},
  body: "{}",
};

describe("replicate send", () => {
  test("finished create needs no poll", async () => {
    const { calls, context } = scripted([prediction("succeeded", { output: ["ok"] })], false);
    const response = await replicateCodec.send!(CREATE, replicateTarget(), context);
    expect(calls).toHaveLength(1);
    expect(((await response.json()) as { output: string[] }).output).toEqual(["ok"]);
  });

  test("poll error response is returned as is", async () => {
    const throttled = Response.json({ detail: "slow down" }, {
      status: 429,
      headers: { "retry-after": "2" },
    });
    const { calls, context } = scripted([prediction("starting"), throttled], false);
    const response = await replicateCodec.send!(CREATE, replicateTarget(), context);
    expect(response.status).toBe(429);
    expect(calls[1]?.url).toBe(GET_URL);
    expect(calls[1]?.method).toBe("GET");
    expect(calls[1]?.headers.authorization).toBe("Bearer r8_test_token");
  });

  test("stream without urls.stream is polled", async () => {
    const finished = prediction("succeeded", {
      output: ["Hi", " there"],
      metrics: { input_token_count: 3, output_token_count: 2 },
    });
    const { calls, context } = scripted([prediction("starting"), finished], true);
    const response = await replicateCodec.send!(CREATE, replicateTarget(), context);
    expect(calls).toHaveLength(2);
    expect(response.headers.get("content-type")).toBe("text/event-stream");

    const chunks: ChatChunk[] = [];
    const decodeContext = {
      clientModel: "llama-test",
      request: { model: "llama-test", messages: [] },
    };
    for await (const chunk of replicateCodec.decodeChatStream(response.body!, decodeContext)) {
      chunks.push(chunk);
    }
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe("Hi there");
    expect(chunks.at(-1)?.usage?.total_tokens).toBe(5);
  });
});
