import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import { SIMULATOR_KEY_ENV, type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let client: OpenAI;
beforeAll(async () => {
  harness = await startHarness({
    extra: (url) => {
      const provider = (type: string, baseUrl: string) => ({
        type, baseUrl, apiKeyEnv: SIMULATOR_KEY_ENV, timeoutMs: 2000, streamIdleTimeoutMs: 1000,
      });
      const price = { inputPerMTok: 1, outputPerMTok: 4 };
      return {
        providers: {
          gemini: provider("gemini", `${url}/gemini`),
          cohere: provider("cohere", `${url}/cohere`),
          deepseek: provider("deepseek", `${url}/openai/v1`),
        },
        models: {
          "gemini-test": { provider: "gemini", upstreamModel: "gemini-2.5-flash", price },
          "cohere-test": { provider: "cohere", upstreamModel: "command-a-03-2025", price },
          "deepseek-test": { provider: "deepseek", upstreamModel: "deepseek-chat", price },
        },
      };
    },
  });
  client = new OpenAI({
    baseURL: `${harness.gateway.url}/v1`,
    apiKey: await harness.createKey(),
    maxRetries: 0,
  });
});
afterAll(async () => {
  await harness.close();
});

const weather = {
  type: "function" as const,
  name: "get_weather",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  strict: false,
};

describe("Responses translated for chat-only providers", () => {
  for (const [model, path] of [
    ["gemini-test", "/gemini/v1beta/models/gemini-2.5-flash:generateContent"],
    ["cohere-test", "/cohere/v2/chat"],
    ["deepseek-test", "/openai/v1/chat/completions"],
  ] as const) {
    test(`${model} JSON and stream`, async () => {
      const answer = await client.responses.create({ model, input: "Hello from Responses" });
      expect(answer.model).toBe(model);
      expect(answer.output_text).toBe("Echo: Hello from Responses");
      expect(harness.simulator.requests.at(-1)?.path.split("?")[0]).toBe(path);

      const stream = await client.responses.create({ model, input: "Stream it", stream: true });
      const events: ResponseStreamEvent[] = [];
      for await (const event of stream) events.push(event);
      const text = events.map((event) => {
        return event.type === "response.output_text.delta" ? event.delta : "";
      }).join("");
      expect(text).toBe("Echo: Stream it");
      expect(events.at(-1)?.type).toBe("response.completed");
    });

    test(`${model} function call`, async () => {
      const answer = await client.responses.create({
        model, input: "Weather in Oslo?", tools: [weather],
      });
      const call = answer.output.find((item) => item.type === "function_call");
      if (call?.type !== "function_call") throw new Error("no function call");
      expect(call.name).toBe("get_weather");
      expect(JSON.parse(call.arguments)).toEqual({ city: expect.any(String) });

      const next = await client.responses.create({
        model,
        input: [
          { role: "user", content: "Weather in Oslo?" },
          call,
          { type: "function_call_output", call_id: call.call_id, output: "Sunny, 21 C" },
        ],
        tools: [weather],
      });
      // Gemini's codec wraps a text tool result in a `content` object, which the simulator echoes.
      expect(next.output_text).toStartWith("Echo: ");
      expect(next.output_text).toContain("Sunny, 21 C");
    });
  }
});
