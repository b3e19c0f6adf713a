/**
 * The simulated OAuth token endpoint of a service account (`POST /vertex/token`), for the JWT
 * bearer grant (RFC 7523). It verifies the assertion's RS256 signature with the registered
 * public key that `kid` names. Then it checks the issuer, the audience (this endpoint's URL),
 * the scope and the lifetime, and issues an access token. Failures use OAuth's error body
 * (RFC 6749, section 5.2).
 */

import { randomBytes } from "node:crypto";
import { decodeProtectedHeader, jwtVerify } from "jose";
import type { HandlerContext, IncomingRequest } from "./incoming-request.ts";
import { jsonPayload, type Payload } from "./payload.ts";
import { geminiHeaders } from "./gemini-request.ts";
import { issueVertexToken, tokenLifetimeOf, vertexAccount } from "./vertex-accounts.ts";

export const VERTEX_TOKEN_PATH = "/vertex/token";

const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";
/** Google rejects assertions that are valid for more than an hour. */
const MAX_ASSERTION_SECONDS = 3600;

export async function handleVertexToken(
  incoming: IncomingRequest,
  _context: HandlerContext,
): Promise<Payload> {
  const form = new URLSearchParams(incoming.text);
  if (form.get("grant_type") !== JWT_BEARER_GRANT) {
    return oauthError("unsupported_grant_type", "Invalid grant_type: " + form.get("grant_type"));
  }
  const assertion = form.get("assertion") ?? "";

  const checked = await checkAssertion(assertion, audienceOf(incoming));
  if (typeof checked === "string") return oauthError("invalid_grant", checked);

  const token = `ya29.sim-${randomBytes(12).toString("hex")}`;
  const lifetime = tokenLifetimeOf(checked);
  issueVertexToken(token, lifetime);
  return jsonPayload(200, geminiHeaders(), {
    access_token: token,
    expires_in: lifetime,
    token_type: "Bearer",
  });
}

/** Returns the account the assertion proves, or the reason it is rejected. */
async function checkAssertion(assertion: string, audience: string) {
  let keyId: string | undefined;
  try {
    keyId = decodeProtectedHeader(assertion).kid;
  } catch {
    return "Invalid JWT: the assertion is not a JWS.";
  }
  const account = keyId === undefined ? undefined : vertexAccount(keyId);
  if (account === undefined) return "Invalid grant: account not found";

  try {
    const { payload } = await jwtVerify(assertion, account.publicKey, {
      algorithms: ["RS256"],
      issuer: account.clientEmail,
      audience,
      requiredClaims: ["iat", "exp"],
    });
    if (String(payload.scope ?? "").split(" ").indexOf(CLOUD_PLATFORM_SCOPE) === -1) {
      return "Invalid scope: the assertion does not request cloud-platform.";
    }
    if ((payload.exp ?? 0) - (payload.iat ?? 0) > MAX_ASSERTION_SECONDS) {
      return "Invalid JWT: expiration time is more than one hour after issue time.";
    }
  } catch (error) {
    const { code, claim } = error as { code?: unknown; claim?: unknown };
    if (code === "ERR_JWS_SIGNATURE_VERIFICATION_FAILED") return "Invalid JWT Signature.";
    if (typeof claim === "string") return `Invalid JWT: the '${claim}' claim is not valid.`;
    return `Invalid JWT: ${String(code ?? "unreadable claims")}.`;
  }
  return account;
}

/** Returns the URL this request reached, which a valid assertion names as its audience. */
function audienceOf(incoming: IncomingRequest): string {
  return `http://${incoming.headers.get("host") ?? ""}${incoming.path.split("?")[0]}`;
}

function oauthError(error: string, description: string): Payload {
  return jsonPayload(400, geminiHeaders(), { error, error_description: description });
}
