/**
 * Serializes a JSON value with object keys sorted at every depth, so that two requests that
 * differ only in key order serialize the same. Properties whose value is `undefined` are left
 * out, as `JSON.stringify` does; array order is kept because it carries meaning.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;

  const record = value as Record<string, unknown>;
  const parts = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
  return `{${parts.join(",")}}`;
}
