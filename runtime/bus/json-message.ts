const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Parses a bus message that must hold one JSON object. `what` names the record in the error
 * ("traffic event", "start batch"), and `fail` builds the decoder's own error class, so the
 * consumer can tell an unreadable message (dead letter) from a store failure (retry).
 */
export function parseJsonObject(data: Uint8Array, what: string,
  fail: (message: string) => Error): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(data));
  } catch (error) {
    throw fail(`invalid ${what} JSON: ${(error as Error).message}`);
  }
  if (!isJsonObject(parsed)) throw fail(`invalid ${what}: expected a JSON object`);
  return parsed;
}

/** Checks whether a parsed JSON value is an object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
