import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parse } from "yaml";
import { ChatRequestSchema, EmbeddingRequestSchema } from
  "../../runtime/canonical/request-schema.ts";
import { FIXTURES_DIR, fixturesAvailable } from "../support/fixtures.ts";

type Schema = {
  properties?: Record<string, unknown>;
  allOf?: ({ $ref?: string } & Schema)[];
};

/** Collects property names of a component schema, following `allOf` references. */
function specProperties(schemas: Record<string, Schema>, name: string): Set<string> {
  const schema = schemas[name];
  const names = new Set(Object.keys(schema?.properties ?? {}));
  for (const part of schema?.allOf ?? []) {
    const referenced = part.$ref?.split("/").pop();
    const inner = referenced === undefined
      ? new Set(Object.keys(part.properties ?? {}))
      : specProperties(schemas, referenced);
    for (const field of inner) names.add(field);
  }
  return names;
}

describe.skipIf(!fixturesAvailable())("request schema against the OpenAI spec", () => {
  let schemas: Record<string, Schema> = {};
  beforeAll(async () => {
    const text = await Bun.file(join(FIXTURES_DIR, "specs", "openai", "openapi.yaml")).text();
    schemas = (parse(text) as { components: { schemas: Record<string, Schema> } }).components
      .schemas;
  });

  test("chat accepts every spec field", () => {
    const ours = new Set(Object.keys(ChatRequestSchema.properties));
    for (const field of specProperties(schemas, "CreateChatCompletionRequest")) {
      expect(ours.has(field)).toBe(true);
    }
  });

  test("chat adds only thinking", () => {
    const spec = specProperties(schemas, "CreateChatCompletionRequest");
    const extra = Object.keys(ChatRequestSchema.properties).filter((f) => !spec.has(f));
    expect(extra).toEqual(["thinking"]);
  });

  test("embeddings match the spec fields", () => {
    const spec = [...specProperties(schemas, "CreateEmbeddingRequest")].sort();
    expect(Object.keys(EmbeddingRequestSchema.properties).sort()).toEqual(spec);
  });
});
