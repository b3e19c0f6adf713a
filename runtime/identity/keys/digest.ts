import { createHmac, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** HMAC-SHA-256 of a key's secret, hex. Keys are looked up by this digest alone. */
export function digestKey(secret: string, hmacSecret: string): string {
  return createHmac("sha256", hmacSecret).update(secret).digest("hex");
}

/**
 * Reads the HMAC secret from the named environment variable, or else from
 * `<dataDir>/key-secret`, creating that file (mode 0600) on first use so the embedded default
 * needs no set-up. Changing the secret invalidates every existing key.
 */
export function loadHmacSecret(envName: string, dataDir: string): string {
  const fromEnv = process.env[envName];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;

  const file = join(dataDir, "key-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();

  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return secret;
}
