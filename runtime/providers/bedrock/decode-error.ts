/**
 * Maps Bedrock errors to NexusError: HTTP error responses, whose `x-amzn-errortype` header
 * names the exception (`ThrottlingException:http://internal.amazon.com/…`) and whose body is
 * `{"message": …}`, and exception messages inside a ConverseStream, named by the
 * `:exception-type` header (`throttlingException`). The exception name decides; the HTTP
 * status is the fallback for names the table does not know.
 */

import { NexusError } from "../../errors/nexus-error.ts";
import {
  AUTH_FAILED,
  BAD_REQUEST,
  describeRawBody,
  type ErrorMapping,
  isRetryableStatus,
  mappingForStatus,
  NOT_FOUND,
  OVERLOADED,
  PERMISSION_DENIED,
  RATE_LIMITED,
  SERVER_ERROR,
  TIMEOUT,
  TOO_LARGE,
} from "../upstream-status.ts";

/** ModelErrorException and ModelStreamErrorException: the model failed, Bedrock did not. */
const MODEL_FAILED: ErrorMapping = { status: 502, code: "upstream_error", type: "api_error" };

/** Bedrock Runtime exceptions (Converse and ConverseStream errors), by lower-cased name. */
const BY_EXCEPTION: Record<string, ErrorMapping> = {
  throttlingexception: RATE_LIMITED,
  servicequotaexceededexception: RATE_LIMITED,
  accessdeniedexception: PERMISSION_DENIED,
  unrecognizedclientexception: AUTH_FAILED,
  invalidsignatureexception: AUTH_FAILED,
  incompletesignatureexception: AUTH_FAILED,
  missingauthenticationtokenexception: AUTH_FAILED,
  expiredtokenexception: AUTH_FAILED,
  validationexception: BAD_REQUEST,
  resourcenotfoundexception: NOT_FOUND,
  requesttoolargeexception: TOO_LARGE,
  modeltimeoutexception: TIMEOUT,
  serviceunavailableexception: OVERLOADED,
  // Bedrock returns 429 while a model is being loaded, and a later retry succeeds.
  modelnotreadyexception: OVERLOADED,
  internalserverexception: SERVER_ERROR,
  modelerrorexception: MODEL_FAILED,
  modelstreamerrorexception: MODEL_FAILED,
};

/** Maps a non-2xx response. */
export function decodeError(status: number, headers: Headers, bodyText: string): NexusError {
  const body = parseErrorBody(bodyText);
  const exception = exceptionName(headers.get("x-amzn-errortype") ?? body?.type ?? "");
  const mapping = BY_EXCEPTION[exception.toLowerCase()] ?? mappingForStatus(status);
  const detail = body?.message ?? describeRawBody(status, bodyText);
  const retryable = isRetryableStatus(mapping.status);
  return new NexusError(mapping.code, messageFor(mapping, exception, detail), {
    status: mapping.status,
    type: mapping.type,
    retryAfter: retryable ? headers.get("retry-after") : null,
  });
}

/**
 * Maps an exception received inside a ConverseStream, by its `:exception-type` (or the
 * `:error-code` of an error message) and the message text.
 */
export function errorFromStream(exceptionType: string, detail: string): NexusError {
  const mapping = BY_EXCEPTION[exceptionType.toLowerCase()] ?? SERVER_ERROR;
  return new NexusError(mapping.code, messageFor(mapping, exceptionType, detail), {
    status: mapping.status,
    type: mapping.type,
  });
}

/** Reads the `message` of an exception payload, which is the same JSON as an HTTP error. */
export function exceptionMessage(payload: Uint8Array): string {
  const body = parseErrorBody(new TextDecoder().decode(payload));
  return body?.message ?? "exception in the event stream";
}

/** Strips the namespace that follows the name: `ThrottlingException:http://…`. */
function exceptionName(value: string): string {
  const name = value.split(":")[0] ?? "";
  // Some AWS JSON bodies put a shape id in `__type`: `com.amazon.bedrock#ThrottlingException`.
  return name.includes("#") ? name.slice(name.lastIndexOf("#") + 1) : name.trim();
}

function messageFor(mapping: ErrorMapping, exception: string, detail: string): string {
  const name = exception === "" ? "" : ` (${exception})`;
  if (mapping.code === "upstream_auth_failed" || mapping.code === "upstream_permission_denied") {
    return `The provider rejected the gateway's credentials for Bedrock${name}: ${detail}`;
  }
  return `Bedrock error${name}: ${detail}`;
}

function parseErrorBody(text: string): { message?: string; type?: string } | null {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null) return null;
    const record = parsed as Record<string, unknown>;
    const message = record.message ?? record.Message;
    return {
      message: typeof message === "string" ? message : undefined,
      type: typeof record.__type === "string" ? record.__type : undefined,
    };
  } catch {
    return null;
  }
}
