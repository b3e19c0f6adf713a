/**
 * Authenticates a Bedrock request: a Bedrock API key goes in `Authorization: Bearer`,
 * otherwise the request is signed with AWS Signature Version 4 for service `bedrock`.
 * Signing uses aws4fetch's AwsV4Signer (WebCrypto). Bedrock is not S3, so SigV4 encodes each
 * path segment a second time in the canonical request: the `%3A` of a model id is signed as
 * `%253A`, which the signer does unless `singleEncode` is set.
 */

import { AwsV4Signer } from "aws4fetch";
import { NexusError } from "../../errors/nexus-error.ts";
import type { Target, UpstreamRequest } from "../codec.ts";

/** SigV4 signing name of Bedrock Runtime (its endpoints are `bedrock-runtime.<region>…`). */
export const SIGNING_SERVICE = "bedrock";

/**
 * Returns the request with its authentication headers. `datetime` (`YYYYMMDDTHHMMSSZ`)
 * fixes the signing time, for tests; it defaults to now.
 */
export async function authenticate(
  request: UpstreamRequest,
  target: Target,
  datetime?: string,
): Promise<UpstreamRequest> {
  if (target.apiKey !== null) {
    const authorization = `Bearer ${target.apiKey}`;
    return { ...request, headers: { ...request.headers, authorization } };
  }

  const credentials = target.credentials ?? {};
  const signer = new AwsV4Signer({
    method: request.method,
    url: request.url,
    headers: request.headers,
    body: request.body,
    accessKeyId: credentials.accessKeyId ?? "",
    secretAccessKey: credentials.secretAccessKey ?? "",
    sessionToken: credentials.sessionToken,
    service: SIGNING_SERVICE,
    region: regionOf(target),
    datetime,
  });
  const signed = await signer.sign();

  const headers: Record<string, string> = {};
  signed.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { ...request, headers };
}

/** Returns the configured region, else the one in an AWS endpoint name. */
export function regionOf(target: Target): string {
  if (target.region !== undefined && target.region !== "") return target.region;

  const host = URL.canParse(target.baseUrl) ? new URL(target.baseUrl).hostname : "";
  const match = /^bedrock-runtime(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host);
  if (match !== null) return match[1]!;
  throw new NexusError(
    "provider_credentials_missing",
    `Provider '${target.provider}' has no region for SigV4 signing: set 'region' in its config.`,
    { status: 500, type: "api_error" },
  );
}
