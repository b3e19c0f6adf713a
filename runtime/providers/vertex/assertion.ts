/**
 * Signs the JWT a service account presents to Google's token endpoint in the JWT bearer grant
 * (RFC 7523, section 2.1): RS256 over the key's private half, `kid` naming the key, the
 * account as issuer and the token endpoint as audience.
 */

import { importPKCS8, SignJWT } from "jose";
import { NexusError } from "../../errors/nexus-error.ts";
import type { ServiceAccount } from "./service-account.ts";

/** The OAuth scope that covers Vertex AI (and every other Google Cloud API). */
export const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";

/** Lifetime of the assertion, in seconds. Google rejects assertions valid for longer. */
const ASSERTION_LIFETIME_SECONDS = 3600;

export async function signAssertion(
  account: ServiceAccount,
  provider: string,
  nowMs: number = Date.now(),
): Promise<string> {
  let key: CryptoKey;
  try {
    key = await importPKCS8(account.privateKey, "RS256");
  } catch {
    // A fixed message replaces jose's error, so that nothing about the key reaches a client.
    throw new NexusError(
      "provider_credentials_missing",
      `Provider '${provider}' has no usable service-account key: 'private_key' is not a ` +
        "PEM-encoded PKCS #8 RSA key.",
      { status: 500, type: "api_error" },
    );
  }

  const issuedAt = Math.floor(nowMs / 1000);
  return await new SignJWT({ scope: CLOUD_PLATFORM_SCOPE })
    .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: account.privateKeyId })
    .setIssuer(account.clientEmail)
    .setAudience(account.tokenUri)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ASSERTION_LIFETIME_SECONDS)
    .sign(key);
}
