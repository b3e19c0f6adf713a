import { describe, expect, test } from "bun:test";
import { exampleFromSchema, type JsonValue } from "./schema-example.ts";

const CASES: { name: string; schema: unknown; expected: JsonValue }[] = [
  { name: "string", schema: { type: "string" }, expected: "example" },
  { name: "integer", schema: { type: "integer" }, expected: 1 },
  { name: "number minimum", schema: { type: "number", minimum: 5 }, expected: 5 },
  { name: "boolean", schema: { type: "boolean" }, expected: true },
  { name: "enum", schema: { type: "string", enum: ["b", "a"] }, expected: "b" },
  { name: "const", schema: { const: "fixed" }, expected: "fixed" },
  { name: "nullable type list", schema: { type: ["null", "integer"] }, expected: 1 },
  {
    name: "required only",
    schema: {
      type: "object",
      properties: { a: { type: "string" }, b: { type: "number" } },
      required: ["b"],
    },
    expected: { b: 1 },
  },
  {
    name: "all when none required",
    schema: { type: "object", properties: { a: { type: "string" }, b: { type: "boolean" } } },
    expected: { a: "example", b: true },
  },
  {
    name: "nested array of objects",
    schema: {
      type: "object",
      properties: {
        items: { type: "array", items: { type: "object", properties: { n: { type: "integer" } } } },
      },
      required: ["items"],
    },
    expected: { items: [{ n: 1 }] },
  },
  {
    name: "anyOf skips null",
    schema: { anyOf: [{ type: "null" }, { type: "string" }] },
    expected: "example",
  },
  {
    name: "allOf merges",
    schema: {
      allOf: [
        { type: "object", properties: { a: { type: "string" } } },
        { type: "object", properties: { b: { type: "integer" } } },
      ],
    },
    expected: { a: "example", b: 1 },
  },
  {
    name: "local ref",
    schema: {
      type: "object",
      properties: { home: { $ref: "#/$defs/Address" } },
      $defs: { Address: { type: "object", properties: { city: { type: "string" } } } },
    },
    expected: { home: { city: "example" } },
  },
  { name: "empty schema", schema: {}, expected: null },
];

describe("exampleFromSchema", () => {
  for (const { name, schema, expected } of CASES) {
    test(name, () => {
      expect(exampleFromSchema(schema)).toEqual(expected);
    });
  }

  test("recursive ref terminates", () => {
    const schema = {
      $ref: "#/$defs/Node",
      $defs: {
        Node: {
          type: "object",
          properties: { child: { $ref: "#/$defs/Node" } },
          required: ["child"],
        },
      },
    };

    expect(JSON.stringify(exampleFromSchema(schema))).toContain('"child":null');
  });
});
