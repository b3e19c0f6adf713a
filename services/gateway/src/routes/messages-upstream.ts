import { NexusError } from "../../../../runtime/errors/nexus-error.ts";
import type { Target, UpstreamRequest } from "../../../../runtime/providers/codec.ts";
import { anthropicCodec } from "../../../../runtime/providers/anthropic/codec.ts";
import { ANTHROPIC_VERSION } from "../../../../runtime/providers/anthropic/encode-request.ts";
import { rejectFailedUpstream } from "../upstream/reject-failed.ts";
import type { MessagesBody } from "./messages-body.ts";

const OVERLOADED_STATUS = 529;

/**
 * Builds the provider request for a client's Messages body. The body goes on as the client sent
 * it, with only `model` replaced, so fields the gateway does not model (cache_control, citations,
 * server tools, new betas) reach the provider intact.
 */
export function buildMessagesRequest(
  body: MessagesBody,
  clientHeaders: Headers,
  target: Target,
): UpstreamRequest {
  return {
    url: `${target.baseUrl}/v1/messages`,
    method: "POST",
    headers: buildHeaders(clientHeaders, target),
    body: JSON.stringify({ ...body, model: target.upstreamModel }),
  };
}

/**
 * Sets the provider headers. The config's headers come first (a private endpoint may take its
 * credential there), then the gateway's credential. The client chooses `anthropic-version` and
 * `anthropic-beta`, because the body it sent is written for that version and those betas.
 */
function buildHeaders(clientHeaders: Headers, target: Target): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(target.headers)) headers[name.toLowerCase()] = value;

  if (target.apiKey !== null) headers["x-api-key"] = target.apiKey;
  if (headers["x-api-key"] === undefined && headers.authorization === undefined) {
    throw new NexusError(
      "provider_credentials_missing",
      `Provider '${target.provider}' has no API key configured.`,
      { status: 500, type: "api_error" },
    );
  }

  headers["content-type"] = "application/json";
  headers["anthropic-version"] = clientHeaders.get("anthropic-version") ??
    headers["anthropic-version"] ?? ANTHROPIC_VERSION;
  const beta = clientHeaders.get("anthropic-beta");
  if (beta !== null) headers["anthropic-beta"] = beta;
  return headers;
}

/**
 * Throws the client-facing error for a provider response that is not a success, as the chat
 * route does, but with overload reported the Anthropic way (see `withOverloadStatus`).
 */
export async function rejectFailedMessages(response: Response): Promise<void> {
  try {
    await rejectFailedUpstream(response, anthropicCodec);
  } catch (error) {
    // Only the provider's own 529 stays 529; a 503 keeps its status.
    throw response.status === OVERLOADED_STATUS ? withOverloadStatus(error) : error;
  }
}

/**
 * Gives an overload error Anthropic's status, 529, which the chat route turns into 503 for
 * OpenAI SDKs. Anthropic documents 529 for `overloaded_error`, and the Anthropic SDK raises
 * `OverloadedError` for that status only.
 */
export function withOverloadStatus(error: unknown): unknown {
  if (!(error instanceof NexusError) || error.code !== "upstream_overloaded") return error;
  return new NexusError(error.code, error.message, {
    status: OVERLOADED_STATUS,
    type: error.type,
    param: error.param,
    retryAfter: error.retryAfter,
    cause: error.cause,
  });
}
