/**
 * Rewrites OpenAPI 3.0's `nullable: true` into JSON Schema 2020-12. The three specs declare
 * OpenAPI 3.1, where `nullable` does not exist, yet OpenAI's (112 uses) and Mistral's (14)
 * still carry it. Ignoring it would reject the `null` values that real responses send, so a
 * nullable schema gains `null` in its `type` (and in its `enum`), or, without a `type`, becomes
 * `anyOf: [schema, {type: "null"}]`.
 */

type Node = Record<string, unknown>;

/** Rewrites every nullable schema below `root` in place and returns how many it changed. */
export function rewriteNullable(root: unknown): number {
  let count = 0;
  const visit = (value: unknown): unknown => {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = visit(value[i]);
      return value;
    }
    if (typeof value !== "object" || value === null) return value;

    const node = value as Node;
    for (const key of Object.keys(node)) node[key] = visit(node[key]);
    if (!("nullable" in node) || typeof node.nullable !== "boolean") return node;

    const nullable = node.nullable;
    delete node.nullable;
    if (!nullable) return node;
    count += 1;
    return allowNull(node);
  };
  visit(root);
  return count;
}

function allowNull(schema: Node): Node {
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) {
    schema.enum = [...schema.enum, null];
  }
  if (typeof schema.type === "string") {
    schema.type = [schema.type, "null"];
    return schema;
  }
  if (Array.isArray(schema.type)) {
    if (!schema.type.includes("null")) schema.type = [...schema.type, "null"];
    return schema;
  }
  return { anyOf: [schema, { type: "null" }] };
}
