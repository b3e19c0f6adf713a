import { randomBytes } from "node:crypto";
import { digestKey } from "./digest.ts";
import type { KeyStore, NewVirtualKey, VirtualKey } from "./types.ts";

/** Every virtual key starts with this, so secret scanners and people can recognise one. */
export const KEY_PREFIX = "nx-";

export interface CreatedKey {
  key: VirtualKey;
  /** The secret, shown once at creation and never stored. */
  secret: string;
}

/** Creates a key; the caller shows `secret` once, only its digest is stored. */
export async function createVirtualKey(
  store: KeyStore,
  hmacSecret: string,
  input: NewVirtualKey,
  now = Date.now(),
): Promise<CreatedKey> {
  if (input.org.trim() === "") throw new Error("org must not be empty");
  if (input.models.length === 0) throw new Error("at least one model pattern is required");
  if (input.expiresAt !== undefined && input.expiresAt <= now) {
    throw new Error("expiry must be in the future");
  }

  const secret = KEY_PREFIX + randomBytes(32).toString("base64url");
  const key: VirtualKey = {
    id: `key_${randomBytes(8).toString("hex")}`,
    prefix: secret.slice(0, KEY_PREFIX.length + 6),
    name: input.name ?? null,
    org: input.org,
    project: input.project ?? null,
    models: input.models,
    createdAt: now,
    expiresAt: input.expiresAt ?? null,
    revokedAt: null,
    settings: input.settings ?? {},
  };
  await store.insert(key, digestKey(secret, hmacSecret));
  return { key, secret };
}
