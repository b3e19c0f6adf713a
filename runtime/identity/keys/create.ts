import { randomBytes } from "node:crypto";
import { digestKey } from "./digest.ts";
import { KeyInputError } from "./key-input-error.ts";
import { normalizeKeyName } from "./key-name.ts";
import { KeyNameTakenError } from "./key-name-taken.ts";
import type { KeyStore, NewVirtualKey, VirtualKey } from "./types.ts";

/** Every virtual key starts with this, so secret scanners and people can recognise one. */
export const KEY_PREFIX = "nx-";

/** Prefix of every key id, which distinguishes an id from a name in `keyRouting`. */
export const KEY_ID_PREFIX = "key_";

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
  const name = input.name === undefined ? null : normalizeKeyName(input.name);
  if (name !== null) await checkNameFree(store, input.org, name);

  const secret = KEY_PREFIX + randomBytes(32).toString("base64url");
  const key: VirtualKey = {
    id: `${KEY_ID_PREFIX}${randomBytes(8).toString("hex")}`,
    prefix: secret.slice(0, KEY_PREFIX.length + 6),
    name,
    org: input.org,
    project: input.project ?? null,
    models: input.models,
    createdAt: now,
    expiresAt: input.expiresAt ?? null,
    revokedAt: null,
    settings: input.settings ?? {},
  };
  await insertKey(store, key, digestKey(secret, hmacSecret));
  return { key, secret };
}

/**
 * Inserts the key. When the store's unique index rejects the name, because a concurrent create
 * committed it after `checkNameFree` ran, the check runs again to name the key that has it.
 */
async function insertKey(store: KeyStore, key: VirtualKey, digest: string): Promise<void> {
  try {
    await store.insert(key, digest);
  } catch (error) {
    if (!(error instanceof KeyNameTakenError) || key.name === null) throw error;
    await checkNameFree(store, key.org, key.name);
    // The holder was revoked between the insert and this check, so the name is free again.
    throw new KeyInputError(`key name "${key.name}" was taken in org "${key.org}" by a ` +
      "concurrent create that has since been revoked; try the create again");
  }
}

/**
 * Rejects a name (already NFC, see `normalizeKeyName`) that another live key of the org has,
 * or that looks like a key id, because `keyRouting` matches keys by org and name. A revoked key's name may be reused, so a key can
 * be rotated under its name. Two concurrent creates can both pass this check; the stores'
 * unique index on (org, name) of live keys then rejects the second insert.
 */
async function checkNameFree(store: KeyStore, org: string, name: string): Promise<void> {
  if (name.startsWith(KEY_ID_PREFIX)) {
    throw new KeyInputError(`invalid key name "${name}": names starting with "${KEY_ID_PREFIX}" ` +
      "are reserved for key ids");
  }
  const clash = (await store.list()).find((key) =>
    // Names stored before validation existed may not be in NFC.
    key.org === org && key.name?.normalize("NFC") === name && key.revokedAt === null
  );
  if (clash !== undefined) {
    throw new KeyInputError(`key name "${name}" is already used in org "${org}" by ${clash.id}; ` +
      "choose another name or revoke that key first");
  }
}
