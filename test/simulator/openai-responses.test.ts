/** The simulator's synthetic Responses answers, read by the official OpenAI SDK. */

import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { startSimulator, type Simulator } from "./server.ts";

let sim: Simulator;
let client: OpenAI;
beforeAll(async () => {
  sim = await startSimulator();
  client = new OpenAI({ baseURL: `${sim.url}/openai/v1`, apiKey: "sk-test", maxRetries: 0 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

describe("simulated OpenAI Responses API", () => {
  test("JSON answer echoes the prompt", async () => {
    const answer = await client.responses.create({ model: "gpt-4o-mini", input: "Hi there" });
    expect(answer.id).toStartWith("resp_");
    expect(answer.status).toBe("completed");
    expect(answer.output_text).toBe("Echo: Hi there");
    expect(answer.usage?.total_tokens).toBe(
      (answer.usage?.input_tokens ?? 0) + (answer.usage?.output_tokens ?? 0));
  });

  test("stream accumulates to the same output", async () => {
    const reasoning = { effort: "low" as const };
    const request = { model: "gpt-4o-mini", input: "Stream me", reasoning };
    const json = await client.responses.create(request);
    const final = await client.responses.stream(request).finalResponse();
    expect(final.output_text).toBe(json.output_text);
    expect(final.output.map((item) => item.type)).toEqual(["reasoning", "message"]);
    const item = final.output[0];
    if (item?.type !== "reasoning") throw new Error("no reasoning item");
    expect(item.summary[0]?.text).toBe("The user wrote: Stream me");
  });

  test("max_output_tokens gives an incomplete response", async () => {
    const answer = await client.responses.create({
      model: "gpt-4o-mini", input: "A prompt long enough to be cut short", max_output_tokens: 2,
    });
    expect(answer.status).toBe("incomplete");
    expect(answer.incomplete_details?.reason).toBe("max_output_tokens");
  });

  test("missing bearer token is a 401", async () => {
    const response = await fetch(`${sim.url}/openai/v1/responses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", input: "hi" }),
    });
    expect(response.status).toBe(401);
  });
});
