/**
 * Exchanges a signed assertion for an OAuth access token at the service account's token
 * endpoint (RFC 7523 JWT bearer grant). The response follows RFC 6749 section 5.1 or 5.2.
 */

import { NexusError } from "../../errors/nexus-error.ts";
import type { SendContext } from "../codec.ts";
import { signAssertion } from "./assertion.ts";
import type { ServiceAccount } from "./service-account.ts";

export const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/** Maximum characters of the token endpoint's error text put into a client message. */
const MAX_DETAIL_CHARS = 200;

export interface AccessToken {
  value: string;
  /** Expiry time the token endpoint reported, in ms since the epoch. */
  expiresAt: number;
  /** When it was issued, in ms since the epoch, so the cache can size its refresh margin. */
  issuedAt: number;
}

/**
 * Mints one token. The request goes through the gateway's fetch, so the request's deadline
 * and cancellation apply to it. Aborts are rethrown as they are, for the gateway to map.
 */
export async function mintAccessToken(
  account: ServiceAccount,
  provider: string,
  fetch: SendContext["fetch"],
  now: () => number = Date.now,
): Promise<AccessToken> {
  const issuedAt = now();
  const assertion = await signAssertion(account, provider, issuedAt);
  const body = new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString();

  let response: Response;
  try {
    response = await fetch({
      url: account.tokenUri,
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    });
  } catch (error) {
    if (isAbort(error)) throw error;
    throw mintFailure(provider, 502, "the token endpoint could not be reached", error);
  }

  const text = await response.text();
  if (!response.ok) throw rejectedMint(provider, response.status, text, assertion);
  return parseToken(provider, text, issuedAt);
}

function parseToken(provider: string, text: string, issuedAt: number): AccessToken {
  const parsed = parseJson(text) as { access_token?: unknown; expires_in?: unknown } | null;
  const value = parsed?.access_token;
  const expiresIn = parsed?.expires_in;
  if (typeof value !== "string" || value === "" || typeof expiresIn !== "number") {
    throw mintFailure(provider, 502, "the token endpoint responded without access_token and " +
      "expires_in");
  }
  // An OAuth bearer token is a b64token (RFC 6750); anything else cannot go in a header and
  // would break every request until it expired.
  if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(value) || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw mintFailure(provider, 502, "the token endpoint responded with a malformed token");
  }
  return { value, expiresAt: issuedAt + expiresIn * 1000, issuedAt };
}

/**
 * Builds the error for a failed mint. A 4xx means Google rejected the service account (a
 * revoked key, a wrong clock, a deleted account), so the client sees a 401. Anything else is
 * the endpoint's own failure.
 */
function rejectedMint(provider: string, status: number, text: string, assertion: string) {
  const detail = oauthErrorText(text).replaceAll(assertion, "[assertion]");
  const suffix = detail === "" ? "" : `: ${detail}`;
  const reason = `the token endpoint responded with HTTP ${status}${suffix}`;
  return mintFailure(provider, status >= 400 && status < 500 && status !== 429 ? 401 : 502,
    reason);
}

/** Returns the `error` and `error_description` of an OAuth error body, cut to a bounded length. */
function oauthErrorText(text: string): string {
  const body = parseJson(text) as { error?: unknown; error_description?: unknown } | null;
  const parts = [body?.error, body?.error_description].filter((part) => typeof part === "string");
  return parts.join(": ").slice(0, MAX_DETAIL_CHARS);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function mintFailure(provider: string, status: 401 | 502, reason: string, cause?: unknown) {
  const code = status === 401 ? "upstream_auth_failed" : "upstream_error";
  const type = status === 401 ? "authentication_error" : "api_error";
  return new NexusError(
    code,
    `Provider '${provider}' could not get a Vertex AI access token: ${reason}.`,
    { status, type, cause },
  );
}

/** Tells whether fetch failed because the gateway aborted it (client gone, deadline passed). */
function isAbort(error: unknown): boolean {
  if (error instanceof NexusError) return true;
  const name = (error as { name?: unknown } | null)?.name;
  return name === "AbortError" || name === "TimeoutError" || name === "ClientDisconnected";
}
