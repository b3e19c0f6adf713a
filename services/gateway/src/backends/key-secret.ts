import { ConfigError, type LoadedConfig } from "../../../../runtime/config/load.ts";
import { loadHmacSecret } from "../../../../runtime/identity/keys/digest.ts";

/**
 * Shortest key secret accepted in production, in characters. `openssl rand -base64 32`, the
 * command the README gives, prints 44.
 */
export const MIN_KEY_SECRET_LENGTH = 32;

/** Environment variable read for the HMAC key secret when the config names none. */
export const DEFAULT_KEY_SECRET_ENV = "NEXUS_KEY_SECRET";

/**
 * Returns the HMAC secret that virtual-key digests are computed with. The embedded store falls
 * back to a generated `<dataDir>/key-secret` file. Production requires the environment
 * variable, because every node must compute the same digest for a key created on any of them.
 */
export function resolveHmacSecret(loaded: LoadedConfig,
  mode: "embedded" | "production"): string {
  const envName = keySecretEnvName(loaded);
  if (mode === "embedded") return loadHmacSecret(envName, loaded.dataDir);

  const secret = process.env[envName];
  if (secret === undefined || secret === "") {
    throw new ConfigError(
      `the environment variable ${envName} is missing: with storage on PostgreSQL, Valkey and ` +
        "NATS the HMAC key secret must come from it, with the same value on every node and " +
        `for the CLI. Set ${envName} (e.g. to the output of \`openssl rand -base64 32\`), or ` +
        "name another variable in keySecretEnv.",
    );
  }
  if (secret.length < MIN_KEY_SECRET_LENGTH) {
    throw new ConfigError(
      `the environment variable ${envName} is too short: ${secret.length} characters, at ` +
        `least ${MIN_KEY_SECRET_LENGTH} needed. Generate one with \`openssl rand -base64 32\` ` +
        "and set the same value on every node and for the CLI.",
    );
  }
  return secret;
}

/** Returns the environment variable that holds the key secret for `loaded`. */
export function keySecretEnvName(loaded: LoadedConfig): string {
  return loaded.config.keySecretEnv ?? DEFAULT_KEY_SECRET_ENV;
}
