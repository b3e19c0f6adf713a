/**
 * Checks the credentials of a simulated Bedrock request before any work, as AWS does. A
 * request carries a Bedrock API key as `Authorization: Bearer`, or an AWS Signature Version 4.
 * The simulator computes the signature again from the received request and the secret of the
 * access key id. Failures return 403 with Bedrock's exception names and messages.
 */

import { AwsV4Signer } from "aws4fetch";
import { bedrockError } from "./bedrock-request.ts";
import type { HandlerContext, IncomingRequest } from "./incoming-request.ts";
import type { Payload } from "./payload.ts";

/** The access key pair the simulator accepts. Tests configure the gateway with it. */
export const SIMULATED_AWS_CREDENTIALS = {
  accessKeyId: "AKIASIMULATOR0000001",
  secretAccessKey: "simulator/bedrock/secret+key/0000000000",
} as const;

/** AWS rejects a signature whose time is more than 15 minutes from its own clock. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** `AWS4-HMAC-SHA256 Credential=<key id>/<date>/<region>/<service>/aws4_request, …`. */
const AUTH_HEADER = new RegExp(
  "^AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request, ?" +
    "SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$",
);

/** Returns an error payload, or null when the request carries valid credentials. */
export async function checkBedrockAuth(
  incoming: IncomingRequest,
  context: HandlerContext,
): Promise<Payload | null> {
  const authorization = incoming.headers.get("authorization");
  if (authorization === null) {
    return bedrockError(403, "MissingAuthenticationTokenException", "Missing Authentication Token",
      context);
  }
  if (authorization.startsWith("Bearer ")) {
    if (authorization.slice(7).trim() !== "") return null;
    return unrecognized(context);
  }

  const match = AUTH_HEADER.exec(authorization);
  if (match === null) {
    const message = "Authorization header requires 'Credential', 'SignedHeaders' and " +
      "'Signature' parameters.";
    return bedrockError(403, "IncompleteSignatureException", message, context);
  }
  const [, accessKeyId, , region, service, signedHeaders, signature] = match;
  if (accessKeyId !== SIMULATED_AWS_CREDENTIALS.accessKeyId) return unrecognized(context);
  if (service !== "bedrock") {
    return invalidSignature(`Credential should be scoped to correct service: 'bedrock'.`, context);
  }

  const datetime = incoming.headers.get("x-amz-date") ?? "";
  const skewError = checkClock(datetime);
  if (skewError !== null) return invalidSignature(skewError, context);

  const expected = await expectedSignature(incoming, region!, signedHeaders!, datetime);
  if (expected !== signature) {
    const message = "The request signature we calculated does not match the signature you " +
      "provided. Check your AWS Secret Access Key and signing method. Consult the service " +
      "documentation for details.";
    return invalidSignature(message, context);
  }
  return null;
}

/** Signs the received method, URL, signed headers and body again with the known secret. */
async function expectedSignature(
  incoming: IncomingRequest,
  region: string,
  signedHeaders: string,
  datetime: string,
): Promise<string> {
  const names = signedHeaders.split(";");
  const headers: Record<string, string> = {};
  for (const name of names) {
    if (name !== "host") headers[name] = incoming.headers.get(name) ?? "";
  }
  const signer = new AwsV4Signer({
    method: incoming.method,
    url: `http://${incoming.headers.get("host") ?? ""}${incoming.path}`,
    headers,
    body: incoming.text,
    accessKeyId: SIMULATED_AWS_CREDENTIALS.accessKeyId,
    secretAccessKey: SIMULATED_AWS_CREDENTIALS.secretAccessKey,
    sessionToken: incoming.headers.get("x-amz-security-token") ?? undefined,
    service: "bedrock",
    region,
    datetime,
    // Exactly the headers the client listed are signed, whatever their names.
    allHeaders: true,
  });
  if (signer.signedHeaders !== signedHeaders) return "";
  return signer.signature();
}

function checkClock(datetime: string): string | null {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(datetime);
  if (match === null) return "Missing or invalid X-Amz-Date header.";
  const [, year, month, day, hour, minute, second] = match.map(Number);
  const signedAt = Date.UTC(year!, month! - 1, day, hour, minute, second);
  if (Math.abs(Date.now() - signedAt) <= MAX_CLOCK_SKEW_MS) return null;
  return `Signature expired: ${datetime} is now earlier or later than the allowed 15 minutes.`;
}

function unrecognized(context: HandlerContext): Payload {
  const message = "The security token included in the request is invalid.";
  return bedrockError(403, "UnrecognizedClientException", message, context);
}

function invalidSignature(message: string, context: HandlerContext): Payload {
  return bedrockError(403, "InvalidSignatureException", message, context);
}
