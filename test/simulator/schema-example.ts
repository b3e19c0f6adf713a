/**
 * Builds a value that fits a JSON Schema, used as the arguments of simulated tool calls:
 * strings become "example", numbers 1 (or the minimum), enums their first member, and
 * objects get their required properties (all properties when none is required).
 */

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

type Schema = { [key: string]: unknown };

/** Recursive `$ref`s stop here, so a self-referencing schema still yields a finite value. */
const MAX_DEPTH = 8;

export function exampleFromSchema(schema: unknown, root: unknown = schema, depth = 0): JsonValue {
  if (!isSchema(schema) || depth > MAX_DEPTH) return null;

  if ("const" in schema) return schema.const as JsonValue;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0] as JsonValue;
  if (typeof schema.$ref === "string") {
    return exampleFromSchema(resolveRef(schema.$ref, root), root, depth + 1);
  }

  const options = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(options)) {
    const option = options.find((candidate) => !isSchema(candidate) || candidate.type !== "null");
    return exampleFromSchema(option, root, depth + 1);
  }
  if (Array.isArray(schema.allOf)) return mergeAll(schema.allOf, root, depth);

  return exampleForType(schema, root, depth);
}

function exampleForType(schema: Schema, root: unknown, depth: number): JsonValue {
  switch (firstType(schema)) {
    case "string":
      return "example";
    case "integer":
    case "number":
      return typeof schema.minimum === "number" && schema.minimum > 1 ? schema.minimum : 1;
    case "boolean":
      return true;
    case "null":
      return null;
    case "array":
      return [exampleFromSchema(schema.items, root, depth + 1)];
    case "object":
      return exampleObject(schema, root, depth);
    default:
      return null;
  }
}

function exampleObject(schema: Schema, root: unknown, depth: number): JsonValue {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  const names = required.length > 0 ? required : Object.keys(properties);

  const value: { [key: string]: JsonValue } = {};
  for (const name of names) value[name] = exampleFromSchema(properties[name], root, depth + 1);
  return value;
}

function mergeAll(parts: unknown[], root: unknown, depth: number): JsonValue {
  const merged: { [key: string]: JsonValue } = {};
  for (const part of parts) {
    const value = exampleFromSchema(part, root, depth + 1);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      Object.assign(merged, value);
    }
  }
  return merged;
}

/** `type` may be a list such as ["string", "null"]; a schema with properties is an object. */
function firstType(schema: Schema): string | undefined {
  if (typeof schema.type === "string") return schema.type;
  if (Array.isArray(schema.type)) return schema.type.find((type) => type !== "null") ?? "null";
  if (isSchema(schema.properties)) return "object";
  if (schema.items !== undefined) return "array";
  return undefined;
}

/** Resolves local JSON pointers such as `#/$defs/Address`; other references yield nothing. */
function resolveRef(ref: string, root: unknown): unknown {
  if (!ref.startsWith("#")) return undefined;
  const segments = ref.slice(1).split("/").filter((segment) => segment !== "");

  let node: unknown = root;
  for (const segment of segments) {
    if (!isSchema(node)) return undefined;
    node = node[segment.replaceAll("~1", "/").replaceAll("~0", "~")];
  }
  return node;
}

function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
