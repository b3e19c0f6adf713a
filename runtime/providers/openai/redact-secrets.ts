/*
 * Upstream error messages can quote the gateway's credential: OpenAI's 401 message names the key
 * it rejected ("Incorrect API key provided: sk-proj-****abcd"). That key belongs to the gateway,
 * so no part of it may reach a client. Both patterns are broad on purpose: a false match only
 * hides a word of an error message.
 */
const KEY_PATTERN = /\b(?:sk|pk|rk)-[A-Za-z0-9_*.\-]{4,}/g;
const BEARER_PATTERN = /\bBearer\s+[A-Za-z0-9_*.\-~+/=]+/gi;

/** Replaces API-key-like tokens and bearer credentials in a message with `[redacted]`. */
export function redactSecrets(message: string): string {
  return message.replace(KEY_PATTERN, "[redacted]").replace(BEARER_PATTERN, "Bearer [redacted]");
}
