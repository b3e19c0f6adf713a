/**
 * The Vertex transport: puts an OAuth access token on the encoded request, then sends it.
 * The token is the provider's `apiKeyEnv` value when the config sets one (a token minted
 * elsewhere, sent as it is), or one minted from the `serviceAccount` credential and cached.
 */

import { NexusError } from "../../errors/nexus-error.ts";
import type { SendContext, Target, UpstreamRequest } from "../codec.ts";
import { mintAccessToken } from "./mint-token.ts";
import { readServiceAccount, type ServiceAccount } from "./service-account.ts";
import type { AccessTokenCache } from "./token-cache.ts";

export type VertexSend = (
  request: UpstreamRequest,
  target: Target,
  context: SendContext,
) => Promise<Response>;

export function createVertexSend(tokens: AccessTokenCache): VertexSend {
  return async (request, target, context) => {
    if (target.apiKey !== null) return await sendWithToken(request, target.apiKey, context);

    const account = await serviceAccountOf(target);
    const key = cacheKey(account);
    const token = await tokens.get(key, context.signal, () =>
      mintAccessToken(account, target.provider, context.fetch, tokens.now));

    context.addSecret(token);
    const response = await sendWithToken(request, token, context);
    // A 401 means Google no longer accepts the token (revoked, or the key was disabled).
    if (response.status === 401) tokens.invalidate(key, token);
    return response;
  };
}

async function sendWithToken(
  request: UpstreamRequest,
  token: string,
  context: SendContext,
): Promise<Response> {
  const headers = { ...request.headers, authorization: `Bearer ${token}` };
  return await context.fetch({ ...request, headers });
}

async function serviceAccountOf(target: Target): Promise<ServiceAccount> {
  const credential = target.credentials?.serviceAccount;
  if (credential === undefined || credential === "") {
    throw new NexusError(
      "provider_credentials_missing",
      `Provider '${target.provider}' has no credential: set credentialEnv.serviceAccount to ` +
        "a service-account key, or apiKeyEnv to an access token.",
      { status: 500, type: "api_error" },
    );
  }
  return await readServiceAccount(credential, target.provider);
}

/** Builds the cache key of an account key at a token endpoint, so a rotated key gets its own. */
function cacheKey(account: ServiceAccount): string {
  return `${account.tokenUri} ${account.clientEmail} ${account.privateKeyId}`;
}
