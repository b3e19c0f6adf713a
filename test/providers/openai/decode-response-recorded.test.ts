import { describe, expect, test } from "bun:test";
import type { ChatRequest, ChatResponse } from "../../../runtime/canonical/chat.ts";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import type { DecodeContext } from "../../../runtime/providers/codec.ts";
import { openaiCodec } from "../../../runtime/providers/openai/codec.ts";
import {
  fixturesAvailable,
  listFixtures,
  readCassette,
  readFixtureText,
} from "./recorded-fixtures.ts";

const CLIENT_MODEL = "client-visible-model";
const REQUEST: ChatRequest = { model: CLIENT_MODEL, messages: [] };
const CONTEXT: DecodeContext = { clientModel: CLIENT_MODEL, request: REQUEST };

type Json = Record<string, unknown>;
type ToolCalls = ChatResponse["choices"][number]["message"]["tool_calls"];

/** Returns every recorded non-streamed OpenAI-format chat response, parsed. */
function responseFixtures(): { name: string; body: Json }[] {
  const files = ["openai-chat", "deepseek", "groq", "xai", "mistral"]
    .flatMap((folder) => listFixtures(`vercel-ai/${folder}`, ".json"))
    .map((name) => ({ name, body: JSON.parse(readFixtureText(name)) as Json }))
    .filter(({ body }) => body.error === undefined);

  const cassettes = listFixtures("simonw-llm/openai-chat", ".yaml").flatMap((name) =>
    readCassette(name)
      .map((interaction, index) => ({ name: `${name}#${index}`, interaction }))
      .filter(({ interaction }) => interaction.contentType.startsWith("application/json"))
      .map(({ name: label, interaction }) => ({
        name: label,
        body: JSON.parse(interaction.body) as Json,
      })),
  );
  return [...files, ...cassettes];
}

const fixtures = fixturesAvailable ? responseFixtures() : [];

describe.skipIf(!fixturesAvailable)("decodeChatResponse on recorded responses", () => {
  test("fixture catalog is complete", () => {
    // 1 OpenAI, 2 DeepSeek, 1 Groq, 1 xAI, 3 Mistral and 3 gzip cassette bodies.
    expect(fixtures.length).toBe(11);
  });

  for (const { name, body } of fixtures) {
    test(name, () => {
      const decoded = openaiCodec.decodeChatResponse(structuredClone(body), CONTEXT);
      const choices = body.choices as Json[];

      expect(decoded.model).toBe(CLIENT_MODEL);
      expect(Object.keys(decoded).sort()).toEqual(Object.keys(body).sort());
      expect(decoded).toMatchObject({ ...body, model: CLIENT_MODEL });
      expect(decoded.usage).toEqual(body.usage as ChatResponse["usage"]);
      expect(choices.length).toBeGreaterThan(0);

      decoded.choices.forEach((choice, index) => {
        const message = choices[index]?.message as Json;
        expect(choice.message.content).toEqual(message.content as string);
        expect(choice.message.reasoning_content).toEqual(message.reasoning_content as string);
        expect(choice.message.tool_calls?.length).toBe((message.tool_calls as unknown[])?.length);
        expect(choice.finish_reason).toBe(choices[index]?.finish_reason as "stop");
      });
    });
  }

  test("tool calls without type get function", () => {
    const body = JSON.parse(readFixtureText("vercel-ai/mistral/mistral-tool-call.json")) as Json;
    const sent = ((body.choices as Json[])[0]?.message as Json).tool_calls as Json[];
    const decoded = openaiCodec.decodeChatResponse(structuredClone(body), CONTEXT);

    expect(sent[0]?.type).toBeUndefined();
    const expected = [{ ...sent[0], type: "function" }] as unknown as ToolCalls;
    expect(decoded.choices[0]?.message.tool_calls).toEqual(expected);
  });

  test("gzip cassette bodies hold tool calls", () => {
    const withToolCalls = fixtures.filter(({ name, body }) =>
      name.includes("#") &&
      ((body.choices as Json[])[0]?.message as Json).tool_calls !== undefined,
    );
    expect(withToolCalls.length).toBeGreaterThan(0);
  });
});

describe("decodeChatResponse invalid bodies", () => {
  const invalid: [string, unknown][] = [
    ["null", null],
    ["string", "ok"],
    ["array", [{ choices: [] }]],
    ["no choices", { id: "x", object: "chat.completion" }],
    ["choices not array", { id: "x", choices: {} }],
  ];
  for (const [name, body] of invalid) {
    test(name, () => {
      let caught: unknown = null;
      try {
        openaiCodec.decodeChatResponse(body, CONTEXT);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(NexusError);
      expect((caught as NexusError).code).toBe("upstream_invalid_response");
      expect((caught as NexusError).status).toBe(502);
    });
  }
});
