/**
 * Recorded Gemini and Anthropic responses, replayed by the simulator on the Vertex routes and
 * read through the gateway with the OpenAI SDK. Each is compared with values read from the
 * recording itself.
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import {
  expectedFinish as anthropicFinish,
  expectedFromEvents,
  expectedFromMessage,
  expectedPromptTokens,
} from "../providers/anthropic/expected.ts";
import {
  expectedFinish as geminiFinish,
  expectedFrom,
} from "../providers/gemini/expected.ts";
import {
  createServiceAccount,
  type TestServiceAccount,
} from "../providers/vertex/service-account.ts";
import { FIXTURES_DIR, fixturesAvailable } from "../support/fixtures.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const SA_ENV = "NEXUS_TEST_VERTEX_REPLAY_ACCOUNT";
const VERCEL = join(FIXTURES_DIR, "recorded", "vercel-ai");
const present = fixturesAvailable() && existsSync(join(VERCEL, "google"));

/** What a client has after reading a whole response. */
interface Assembled {
  text: string;
  reasoning: string;
  tools: { name: string; arguments: string }[];
  finish: string | null | undefined;
  usage: OpenAI.CompletionUsage | null | undefined;
  requestId: string | null;
}

/** Values the reference readers compute from a recording, in the shape of `Assembled`. */
interface Expected {
  text: string;
  reasoning: string;
  tools: { name: string; arguments: unknown }[];
  finish: string;
  promptTokens: number;
  completionTokens: number;
}

let harness: Harness;
let client: OpenAI;
let account: TestServiceAccount;

beforeAll(async () => {
  harness = await startHarness({
    extra: (url) => ({
      providers: {
        vertex: {
          type: "vertex",
          baseUrl: `${url}/vertex`,
          region: "europe-west4",
          project: "replay-project",
          credentialEnv: { serviceAccount: SA_ENV },
          timeoutMs: 2000,
          streamIdleTimeoutMs: 1000,
        },
      },
      models: {
        "replay-gemini": { provider: "vertex", upstreamModel: "gemini-2.5-flash" },
        "replay-claude": { provider: "vertex", upstreamModel: "claude-sonnet-4-5@20250929" },
      },
    }),
  });
  account = await createServiceAccount({
    tokenUri: `${harness.simulator.url}/vertex/token`,
    name: "gateway-replay",
  });
  process.env[SA_ENV] = account.json;
  client = new OpenAI({
    baseURL: `${harness.gateway.url}/v1`,
    apiKey: await harness.createKey(),
    maxRetries: 0,
  });
});

afterAll(async () => {
  account.unregister();
  await harness.close();
});

function fixtures(folder: string, suffix: string): string[] {
  const dir = join(VERCEL, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => name.endsWith(suffix) && !name.includes("429")).sort();
}

function lines(folder: string, name: string): Record<string, any>[] {
  return readFileSync(join(VERCEL, folder, name), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));
}

const PROMPT: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "replay" }];

async function streamAnswer(model: string): Promise<Assembled> {
  const { data: stream, response } = await client.chat.completions
    .create({ model, messages: PROMPT, stream: true, stream_options: { include_usage: true } })
    .withResponse();
  const answer: Assembled = { text: "", reasoning: "", tools: [], finish: undefined,
    usage: undefined, requestId: response.headers.get("x-request-id") };
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta as
      | (OpenAI.ChatCompletionChunk.Choice.Delta & { reasoning_content?: string })
      | undefined;
    answer.text += delta?.content ?? "";
    answer.reasoning += delta?.reasoning_content ?? "";
    for (const call of delta?.tool_calls ?? []) {
      const tool = (answer.tools[call.index] ??= { name: "", arguments: "" });
      tool.name += call.function?.name ?? "";
      tool.arguments += call.function?.arguments ?? "";
    }
    answer.finish = chunk.choices[0]?.finish_reason ?? answer.finish;
    if (chunk.usage) answer.usage = chunk.usage;
  }
  return answer;
}

async function jsonAnswer(model: string): Promise<Assembled> {
  const { data, response } = await client.chat.completions
    .create({ model, messages: PROMPT })
    .withResponse();
  const message = data.choices[0]?.message as OpenAI.ChatCompletionMessage & {
    reasoning_content?: string;
  };
  const tools = (message.tool_calls ?? []).map((call) => {
    const fn = call.type === "function" ? call.function : { name: "", arguments: "" };
    return { name: fn.name, arguments: fn.arguments };
  });
  return { text: message.content ?? "", reasoning: message.reasoning_content ?? "", tools,
    finish: data.choices[0]?.finish_reason, usage: data.usage,
    requestId: response.headers.get("x-request-id") };
}

async function expectMatches(actual: Assembled, expected: Expected): Promise<void> {
  expect(actual.text).toBe(expected.text);
  expect(actual.reasoning).toBe(expected.reasoning);
  expect(actual.tools.map((tool) => tool.name)).toEqual(expected.tools.map((tool) => tool.name));
  expect(actual.tools.map((tool) => JSON.parse(tool.arguments || "{}"))).toEqual(
    expected.tools.map((tool) => tool.arguments),
  );
  expect(actual.finish).toBe(expected.finish);
  expect(actual.usage?.prompt_tokens).toBe(expected.promptTokens);
  expect(actual.usage?.completion_tokens).toBe(expected.completionTokens);

  const recorded = await harness.event(actual.requestId ?? "");
  expect(recorded?.inputTokens).toBe(expected.promptTokens);
  expect(recorded?.outputTokens).toBe(expected.completionTokens);
}

function fromGemini(answers: Record<string, any>[]): Expected {
  const reference = expectedFrom(answers);
  const thoughts = reference.usage.thoughtsTokenCount ?? 0;
  return {
    text: reference.text,
    reasoning: reference.thoughts,
    tools: reference.toolCalls.map((call) => ({ name: call.name, arguments: call.args })),
    finish: geminiFinish(reference),
    promptTokens: reference.usage.promptTokenCount ?? 0,
    completionTokens: (reference.usage.candidatesTokenCount ?? 0) + thoughts,
  };
}

function fromAnthropic(reference: ReturnType<typeof expectedFromEvents>): Expected {
  return {
    text: reference.text,
    reasoning: reference.thinking,
    tools: reference.toolCalls.map((call) => ({
      name: call.name,
      arguments: JSON.parse(call.arguments || "{}"),
    })),
    finish: anthropicFinish(reference.stopReason),
    promptTokens: expectedPromptTokens(reference.usage),
    completionTokens: reference.usage.output_tokens ?? 0,
  };
}

describe.skipIf(!present)("recorded Gemini through Vertex", () => {
  for (const name of fixtures("google", ".chunks.txt")) {
    test(`stream ${name}`, async () => {
      const fixture = `vercel-ai/google/${name}`;
      harness.simulator.enqueue({ match: { provider: "vertex", path: ":streamGenerateContent" },
        fixture });
      await expectMatches(await streamAnswer("replay-gemini"), fromGemini(lines("google", name)));
    });
  }

  for (const name of fixtures("google", ".json")) {
    test(`JSON ${name}`, async () => {
      const fixture = `vercel-ai/google/${name}`;
      harness.simulator.enqueue({ match: { provider: "vertex", path: ":generateContent" },
        fixture });
      const body = JSON.parse(readFileSync(join(VERCEL, "google", name), "utf8"));
      await expectMatches(await jsonAnswer("replay-gemini"), fromGemini([body]));
    });
  }
});

describe.skipIf(!present)("recorded Claude through Vertex", () => {
  for (const name of fixtures("anthropic", ".chunks.txt")) {
    test(`stream ${name}`, async () => {
      const fixture = `vercel-ai/anthropic/${name}`;
      harness.simulator.enqueue({ match: { provider: "vertex", path: ":streamRawPredict" },
        fixture });
      const expected = fromAnthropic(expectedFromEvents(lines("anthropic", name)));
      await expectMatches(await streamAnswer("replay-claude"), expected);
    });
  }

  for (const name of fixtures("anthropic", ".json")) {
    test(`JSON ${name}`, async () => {
      const fixture = `vercel-ai/anthropic/${name}`;
      harness.simulator.enqueue({ match: { provider: "vertex", path: ":rawPredict" }, fixture });
      const body = JSON.parse(readFileSync(join(VERCEL, "anthropic", name), "utf8"));
      await expectMatches(await jsonAnswer("replay-claude"),
        fromAnthropic(expectedFromMessage(body)));
    });
  }
});
