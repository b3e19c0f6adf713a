import type { TSchema } from "@sinclair/typebox";

/** Maximum number of accepted forms listed. A union with more keeps TypeBox's message. */
const MAX_LISTED = 8;

/**
 * Describes what a union schema accepts, for example "a string or a non-empty array", from
 * the JSON Schema keywords of its members. Returns undefined when a member has no describable
 * type, so the caller keeps TypeBox's own message rather than printing a partial list.
 */
export function describeUnion(schema: TSchema): string | undefined {
  const members = (schema as { anyOf?: TSchema[] }).anyOf;
  if (members === undefined) return undefined;

  const parts: string[] = [];
  for (const member of members) {
    const described = describeMember(member);
    if (described === undefined) return undefined;
    for (const part of described) if (!parts.includes(part)) parts.push(part);
  }
  if (parts.length === 0 || parts.length > MAX_LISTED) return undefined;
  return joinWithOr(parts);
}

/** Describes one member. A nested union contributes each of its members. */
function describeMember(schema: TSchema): string[] | undefined {
  const keywords = schema as {
    anyOf?: TSchema[];
    const?: unknown;
    type?: unknown;
    minItems?: number;
    minLength?: number;
  };
  if (keywords.anyOf !== undefined) {
    const nested = keywords.anyOf.map(describeMember);
    return nested.some((part) => part === undefined) ? undefined : nested.flat() as string[];
  }
  if (keywords.const !== undefined) return [JSON.stringify(keywords.const)];

  switch (keywords.type) {
    case "string":
      return [(keywords.minLength ?? 0) > 0 ? "a non-empty string" : "a string"];
    case "array":
      return [(keywords.minItems ?? 0) > 0 ? "a non-empty array" : "an array"];
    case "boolean":
      return ["a boolean"];
    case "integer":
      return ["an integer"];
    case "number":
      return ["a number"];
    case "object":
      return ["an object"];
    case "null":
      return ["null"];
    default:
      return undefined;
  }
}

function joinWithOr(parts: string[]): string {
  if (parts.length === 1) return parts[0] as string;
  return `${parts.slice(0, -1).join(", ")} or ${parts.at(-1)}`;
}
