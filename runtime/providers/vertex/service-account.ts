/**
 * Reads a Google service-account key (the JSON file the Cloud console downloads). The
 * credential is the JSON text itself or the path of such a file.
 */

import { NexusError } from "../../errors/nexus-error.ts";

/** The fields of a service-account key that signing a token request needs. */
export interface ServiceAccount {
  clientEmail: string;
  /** PEM-encoded PKCS #8 RSA private key. */
  privateKey: string;
  privateKeyId: string;
  tokenUri: string;
}

const REQUIRED_FIELDS = ["client_email", "private_key", "private_key_id", "token_uri"] as const;

/**
 * Parses the `serviceAccount` credential of a provider. Error messages name the provider and
 * the missing field, never the credential's content, because it contains the private key.
 */
export async function readServiceAccount(
  credential: string,
  provider: string,
): Promise<ServiceAccount> {
  const text = credential.trimStart().startsWith("{")
    ? credential
    : await readKeyFile(credential, provider);

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidServiceAccount(provider, "it is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw invalidServiceAccount(provider, "it is not a JSON object");
  }

  const fields = parsed as Record<string, unknown>;
  for (const name of REQUIRED_FIELDS) {
    const value = fields[name];
    if (typeof value !== "string" || value === "") {
      throw invalidServiceAccount(provider, `the field '${name}' is missing`);
    }
  }
  return {
    clientEmail: fields.client_email as string,
    privateKey: fields.private_key as string,
    privateKeyId: fields.private_key_id as string,
    tokenUri: fields.token_uri as string,
  };
}

async function readKeyFile(path: string, provider: string): Promise<string> {
  try {
    return await Bun.file(path.trim()).text();
  } catch {
    // The path is left out: it is the credential value, which the gateway never echoes.
    throw invalidServiceAccount(provider, "the key file it names could not be read");
  }
}

function invalidServiceAccount(provider: string, reason: string): NexusError {
  return new NexusError(
    "provider_credentials_missing",
    `Provider '${provider}' has no usable service-account key: ${reason}. Set the ` +
      "`serviceAccount` credential to the key's JSON text or to the path of its file.",
    { status: 500, type: "api_error" },
  );
}
