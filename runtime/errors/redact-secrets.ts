/*
 * Upstream error messages can quote credentials: OpenAI's 401 message names the key it rejected
 * ("Incorrect API key provided: sk-proj-****abcd"), and a provider may echo a request header.
 * Those keys belong to the gateway or to a client, so no part of one may reach a client, a log
 * or an event. The patterns are broad on purpose: a false match only hides a word of a message.
 */
const KEY_PATTERN = /\b(?:sk|pk|rk|nx)-[A-Za-z0-9_*.\-]{4,}/g;
const BEARER_PATTERN = /\bBearer\s+[A-Za-z0-9_*.\-~+/=]+/gi;

/**
 * Replaces API-key-like tokens, bearer credentials and each of `known` (values such as the
 * provider credential, which may not look like a key) in a message with `[redacted]`.
 */
export function redactSecrets(message: string, known: readonly string[] = []): string {
  let result = message;
  for (const secret of known) {
    // Short values would blank out ordinary words; no real credential is this short.
    if (secret.length >= 8) result = result.replaceAll(secret, "[redacted]");
  }
  return result.replace(KEY_PATTERN, "[redacted]").replace(BEARER_PATTERN, "Bearer [redacted]");
}
