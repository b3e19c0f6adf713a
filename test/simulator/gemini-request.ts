/**
 * Checks a Gemini (Generative Language API, v1beta) request the way Google does before any
 * work: an `x-goog-api-key` header, then a JSON object body. Failures come back in Google's
 * error shape. Also reads the model and method out of `/v1beta/models/{model}:{method}`.
 */

import { isRecord, type IncomingRequest } from "./incoming-request.ts";
import { jsonPayload, type Payload } from "./payload.ts";
import { geminiErrorBody } from "./provider-errors.ts";

const MODEL_METHOD = /^\/gemini\/v1beta\/models\/([^/:]+):([A-Za-z]+)$/;

export interface GeminiTarget {
  model: string;
  method: string;
}

/** Returns the model and method of a Gemini model path, or undefined for any other path. */
export function parseGeminiPath(pathname: string): GeminiTarget | undefined {
  const match = MODEL_METHOD.exec(pathname);
  if (match === null) return undefined;
  return { model: decodeURIComponent(match[1]!), method: match[2]! };
}

/** Google's front end sends these on every response; the values are fixed fakes. */
export function geminiHeaders(): Headers {
  return new Headers({
    server: "scaffolding on HTTPServer2",
    "x-content-type-options": "nosniff",
    "x-frame-options": "SAMEORIGIN",
    vary: "Origin, X-Origin, Referer",
  });
}

export function geminiError(status: number, rpcStatus: string, message: string): Payload {
  return jsonPayload(status, geminiHeaders(), geminiErrorBody(status, rpcStatus, message));
}

/**
 * Returns the body, or the error payload. Google answers a request without a key with 403
 * PERMISSION_DENIED, and an empty key with 400 INVALID_ARGUMENT and reason API_KEY_INVALID.
 */
export function checkGeminiBody(incoming: IncomingRequest): Record<string, unknown> | Payload {
  const key = incoming.headers.get("x-goog-api-key");
  if (key === null) {
    const message =
      "Method doesn't allow unregistered callers (callers without established identity). " +
      "Please use API Key or other form of API consumer identity to call this API.";
    return geminiError(403, "PERMISSION_DENIED", message);
  }
  if (key.trim() === "") {
    const details = [
      {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        reason: "API_KEY_INVALID",
        domain: "googleapis.com",
      },
    ];
    const body = geminiErrorBody(400, "INVALID_ARGUMENT", "API key not valid.", details);
    return jsonPayload(400, geminiHeaders(), body);
  }

  if (incoming.jsonError !== undefined || !isRecord(incoming.json)) {
    const reason = incoming.jsonError ?? "expected a JSON object";
    return geminiError(400, "INVALID_ARGUMENT", `Invalid JSON payload received. ${reason}`);
  }
  return incoming.json;
}
