/**
 * The texts of a request or response body, found by walking its JSON. Every string is a text
 * to check, and so is every object key that is not shaped like a field name (a key such as
 * `jane@example.com` in `metadata`), so the same walk covers Chat Completions, Anthropic Messages
 * and Responses bodies: every message role, tool results, tool-call arguments and ids, schema
 * descriptions and URLs. Skipped are the few fields that hold no client text (roles, types,
 * the model name), opaque provider blobs (signatures, encrypted reasoning) and base64 payloads,
 * which no text rule can read and which would only cost scanning time.
 */

/** A step of a path: a key or index to descend into, or `{ key }` for an object key itself. */
export type PathStep = string | number | { key: string };
export type JsonPath = readonly PathStep[];

export interface TextSegment {
  path: JsonPath;
  text: string;
}

/** Keys whose string values carry no client text, or an opaque blob a provider signed. */
const NOT_CONTENT = new Set([
  "model", "role", "type", "object", "signature", "encrypted_content", "thought_signature",
  "thoughtSignature",
]);

/** A base64 payload: long, without spaces, or a `data:` URL; scanned as binary it is noise. */
const BASE64 = /^[A-Za-z0-9+/_-]{256,}={0,2}$/;

/** A key shaped like a field name, which no text rule needs to read. */
const FIELD_NAME = /^[A-Za-z_$][A-Za-z0-9_$-]{0,63}$/;

function isBinary(text: string): boolean {
  if (text.startsWith("data:") && text.includes(";base64,")) return true;
  return text.length >= 256 && BASE64.test(text);
}

/** Collects every content string and object key of a JSON value, with its path. */
export function collectTexts(value: unknown): TextSegment[] {
  const segments: TextSegment[] = [];
  walk(value, [], segments);
  return segments;
}

function walk(value: unknown, path: PathStep[], out: TextSegment[]): void {
  if (typeof value === "string") {
    if (value !== "" && !isBinary(value)) out.push({ path: [...path], text: value });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => walk(item, [...path, index], out));
    return;
  }
  if (typeof value !== "object" || value === null) return;

  for (const [key, child] of Object.entries(value)) {
    if (NOT_CONTENT.has(key) && typeof child === "string") continue;
    if (key !== "" && !FIELD_NAME.test(key)) out.push({ path: [...path, { key }], text: key });
    walk(child, [...path, key], out);
  }
}

/**
 * Writes a segment's new text back into the body at its path. A changed object key is
 * renamed in place, keeping the key order of its object.
 */
export function writeText(body: unknown, path: JsonPath, text: string): void {
  let node = body as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) {
    node = node[step as string | number] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1]!;
  if (typeof last === "object") renameKey(node as Record<string, unknown>, last.key, text);
  else node[last] = text;
}

function renameKey(node: Record<string, unknown>, from: string, to: string): void {
  if (from === to || !(from in node)) return;
  const entries = Object.entries(node);
  for (const key of Object.keys(node)) delete node[key];
  for (const [key, value] of entries) node[key === from ? to : key] = value;
}
