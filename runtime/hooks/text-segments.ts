/**
 * The texts of a request or response body, found by walking its JSON. Every string is a text to
 * check except under keys that hold identifiers, settings or binary data, so the same walk
 * covers Chat Completions, Anthropic Messages and Responses bodies, every message role, tool
 * results and tool-call arguments included.
 */

export type JsonPath = readonly (string | number)[];

export interface TextSegment {
  path: JsonPath;
  text: string;
}

/** Keys whose string values are not content: ids, enums, model names, signatures, base64. */
const NOT_CONTENT = new Set([
  "model", "role", "type", "id", "object", "tool_call_id", "tool_use_id", "call_id",
  "finish_reason", "stop_reason", "signature", "encrypted_content", "data", "media_type",
  "mime_type", "mimeType", "detail", "format", "status", "service_tier", "system_fingerprint",
  "reasoning_effort", "effort", "tool_choice", "cache_control", "url", "file_id", "image_url",
]);

/** Collects every content string of a JSON value, with its path. */
export function collectTexts(value: unknown): TextSegment[] {
  const segments: TextSegment[] = [];
  walk(value, [], segments);
  return segments;
}

function walk(value: unknown, path: (string | number)[], out: TextSegment[]): void {
  if (typeof value === "string") {
    if (value !== "") out.push({ path: [...path], text: value });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => walk(item, [...path, index], out));
    return;
  }
  if (typeof value !== "object" || value === null) return;

  for (const [key, child] of Object.entries(value)) {
    if (NOT_CONTENT.has(key)) continue;
    walk(child, [...path, key], out);
  }
}

/** Writes a segment's new text back into the body at its path. */
export function writeText(body: unknown, path: JsonPath, text: string): void {
  let node = body as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = text;
}
