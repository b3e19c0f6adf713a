import { createHmac } from "node:crypto";
import type { Sql } from "postgres";
import { ConfigError } from "../../config/load.ts";

/** Row of the `settings` table that stores the verifier. */
const VERIFIER_SETTING = "key_secret_verifier";

/** Message whose HMAC is the verifier. Changing it invalidates every stored verifier. */
const VERIFIER_LABEL = "nexus key secret verifier v1";

/**
 * The key secret of this process differs from the one the deployment's keys were made with.
 * It is a config error, so the CLI reports it like one and exits 2.
 */
export class KeySecretMismatchError extends ConfigError {
  override readonly name = "KeySecretMismatchError";
  readonly code = "key_secret_mismatch";
}

/** Returns HMAC-SHA-256 of a fixed label under `secret`, in hex, which does not reveal it. */
export function keySecretVerifier(secret: string): string {
  return createHmac("sha256", secret).update(VERIFIER_LABEL).digest("hex");
}

/**
 * Stores the verifier of `secret` if the deployment has none yet, else compares with the
 * stored one. Fails with `KeySecretMismatchError`, naming `envName`, when they differ,
 * because every key digest made under the other secret would then be rejected with 401.
 */
export async function checkKeySecret(sql: Sql, secret: string, envName: string):
  Promise<void> {
  const verifier = keySecretVerifier(secret);
  await sql`
    INSERT INTO settings (name, value) VALUES (${VERIFIER_SETTING}, ${verifier})
    ON CONFLICT (name) DO NOTHING`;
  const rows = await sql<{ value: string }[]>`
    SELECT value FROM settings WHERE name = ${VERIFIER_SETTING}`;
  if (rows[0]?.value === verifier) return;

  throw new KeySecretMismatchError(
    `the key secret in ${envName} differs from the deployment's: keys in this PostgreSQL ` +
      `schema were made with another secret, so every key would be rejected. Set ${envName} ` +
      "to the value the other nodes and the CLI use.",
  );
}
