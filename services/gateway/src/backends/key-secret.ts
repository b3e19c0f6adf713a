import { ConfigError, type LoadedConfig } from "../../../../runtime/config/load.ts";
import { loadHmacSecret } from "../../../../runtime/identity/keys/digest.ts";

/** Environment variable read for the HMAC key secret when the config names none. */
export const DEFAULT_KEY_SECRET_ENV = "NEXUS_KEY_SECRET";

/**
 * Returns the HMAC secret that virtual-key digests are computed with. The embedded store falls
 * back to a generated `<dataDir>/key-secret` file. Production requires the environment
 * variable, because every node must compute the same digest for a key created on any of them.
 */
export function resolveHmacSecret(loaded: LoadedConfig,
  mode: "embedded" | "production"): string {
  const envName = loaded.config.keySecretEnv ?? DEFAULT_KEY_SECRET_ENV;
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
  return secret;
}
