/**
 * Azure OpenAI's deployment API as the simulator checks it: the path
 * `/openai/deployments/{deployment}/{operation}`, an `api-version` query, and a credential in
 * `api-key` or `Authorization: Bearer` (a Microsoft Entra ID token). Errors use Azure's
 * `{"error": {"code", "message"}}` body, whose `code` is often the HTTP status as a string.
 */

import type { Behaviour } from "./behaviour.ts";
import type { HandlerContext, IncomingRequest } from "./incoming-request.ts";
import { jsonPayload, type Payload } from "./payload.ts";

export type AzureOperation = "chat/completions" | "embeddings";

const DEPLOYMENT_PATH = /^\/azure\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/;

/** Azure's data-plane versions look like `2024-10-21` or `2025-01-01-preview`. */
const API_VERSION = /^\d{4}-\d{2}-\d{2}(-preview)?$/;

export interface AzureErrorBody {
  error: { code: string; message: string; [field: string]: unknown };
}

export function parseAzurePath(
  pathname: string,
): { deployment: string; operation: AzureOperation } | undefined {
  const match = DEPLOYMENT_PATH.exec(pathname);
  if (match === null) return undefined;
  return { deployment: decodeURIComponent(match[1]!), operation: match[2] as AzureOperation };
}

export function azureErrorBody(code: string, message: string): AzureErrorBody {
  return { error: { code, message } };
}

/** Messages of the errors Azure OpenAI sends for each status, with the status as the code. */
const AZURE_ERROR_BY_STATUS: Record<number, string> = {
  400: "The request is invalid.",
  401:
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to " +
    "provide a valid key for an active subscription and use a correct regional API endpoint " +
    "for your resource.",
  403: "Public access is disabled. Please configure private endpoint.",
  404: "Resource not found",
  408: "Request timed out.",
  429:
    "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version " +
    "2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. " +
    "Please retry after 1 second.",
  500: "The server had an error while processing your request. Sorry about that!",
  503: "The service is temporarily unable to process your request. Please try again later.",
};

export function azureErrorFor(status: number): AzureErrorBody {
  const message = AZURE_ERROR_BY_STATUS[status] ?? AZURE_ERROR_BY_STATUS[500]!;
  return azureErrorBody(String(status), message);
}

/** Headers of every Azure OpenAI response; `apim-request-id` is the id Azure support requests. */
export function azureHeaders(context: HandlerContext, tokens = 0): {
  requestId: string;
  headers: Headers;
} {
  const requestId = context.ids.cohereUuid();
  const headers = new Headers({
    "apim-request-id": requestId,
    "x-request-id": requestId,
    "x-ms-region": "Simulated Region",
    "x-ms-rai-invoked": "true",
    "x-ratelimit-remaining-requests": "999",
    "x-ratelimit-remaining-tokens": String(Math.max(0, 150_000 - tokens)),
  });
  return { requestId, headers };
}

function azureError(context: HandlerContext, status: number, body: AzureErrorBody): Payload {
  return jsonPayload(status, azureHeaders(context).headers, body);
}

/**
 * Returns Azure's error for a request without a credential or without a usable
 * `api-version`, else undefined. The credential is checked first, as Azure's API gateway does.
 */
export function checkAzureRequest(
  incoming: IncomingRequest,
  context: HandlerContext,
): Payload | undefined {
  if (credentialOf(incoming.headers) === undefined) {
    return azureError(context, 401, azureErrorFor(401));
  }

  const version = new URL(incoming.path, "http://simulator").searchParams.get("api-version");
  if (version === null) return azureError(context, 404, azureErrorFor(404));
  if (!API_VERSION.test(version)) {
    return azureError(context, 400, azureErrorBody("BadRequest", "API version not supported"));
  }
  return undefined;
}

/** Returns the key from `api-key`, or the token from `Authorization: Bearer`. */
export function credentialOf(headers: Headers): string | undefined {
  const apiKey = headers.get("api-key")?.trim();
  if (apiKey) return apiKey;
  return /^Bearer\s+(\S+)/i.exec(headers.get("authorization") ?? "")?.[1];
}

export type FilterCategory = "hate" | "self_harm" | "sexual" | "violence";

/**
 * Builds a Behaviour that blocks the next Azure request the way Azure's content filter blocks
 * a prompt: a 400 with `code: "content_filter"` and the per-category verdicts in
 * `innererror.content_filter_result`, `category` marked filtered at `severity`.
 */
export function azureContentFilterBlock(
  category: FilterCategory = "violence",
  severity: "low" | "medium" | "high" = "high",
): Behaviour {
  const verdicts: Record<string, unknown> = {
    hate: { filtered: false, severity: "safe" },
    jailbreak: { filtered: false, detected: false },
    self_harm: { filtered: false, severity: "safe" },
    sexual: { filtered: false, severity: "safe" },
    violence: { filtered: false, severity: "safe" },
  };
  verdicts[category] = { filtered: true, severity };
  const message =
    "The response was filtered due to the prompt triggering Azure OpenAI's content " +
    "management policy. Please modify your prompt and retry.";

  const body = {
    error: {
      message,
      type: null,
      param: "prompt",
      code: "content_filter",
      status: 400,
      innererror: { code: "ResponsibleAIPolicyViolation", content_filter_result: verdicts },
    },
  };
  return { match: { provider: "azure" }, status: 400, body };
}
