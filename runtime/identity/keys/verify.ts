import { NexusError } from "../../errors/nexus-error.ts";
import { digestKey } from "./digest.ts";
import type { KeyStore, VirtualKey } from "./types.ts";

/**
 * Reads the presented key from `Authorization: Bearer …` (OpenAI SDK) or `x-api-key`
 * (Anthropic SDK); returns null when neither is set.
 */
export function readPresentedKey(headers: Headers): string | null {
  const authorization = headers.get("authorization");
  if (authorization !== null) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match?.[1] !== undefined) return match[1].trim();
  }
  const apiKey = headers.get("x-api-key");
  return apiKey === null || apiKey.trim() === "" ? null : apiKey.trim();
}

function authError(code: "missing_api_key" | "invalid_api_key" | "api_key_revoked" |
  "api_key_expired", message: string): NexusError {
  return new NexusError(code, message, { status: 401, type: "authentication_error" });
}

/**
 * Resolves the presented secret to its key, or rejects with a 401 NexusError. The store is
 * asked on every call, so a revocation made elsewhere applies as soon as the store sees it.
 */
export async function verifyVirtualKey(
  store: KeyStore,
  hmacSecret: string,
  presented: string | null,
  now = Date.now(),
): Promise<VirtualKey> {
  if (presented === null) {
    throw authError(
      "missing_api_key",
      "Missing API key: send a Nexus virtual key as 'Authorization: Bearer <key>' or 'x-api-key'.",
    );
  }

  const key = await store.findByDigest(digestKey(presented, hmacSecret));
  if (key === undefined) throw authError("invalid_api_key", "Invalid API key.");
  if (key.revokedAt !== null) {
    throw authError("api_key_revoked", `API key ${key.id} has been revoked.`);
  }
  if (key.expiresAt !== null && key.expiresAt <= now) {
    throw authError(
      "api_key_expired",
      `API key ${key.id} expired at ${new Date(key.expiresAt).toISOString()}.`,
    );
  }
  return key;
}
