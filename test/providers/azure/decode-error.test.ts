import { describe, expect, test } from "bun:test";
import type { ErrorCode } from "../../../runtime/errors/nexus-error.ts";
import { azureCodec } from "../../../runtime/providers/azure/codec.ts";

function azureBody(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

interface ErrorCase {
  name: string;
  upstream: number;
  headers: Record<string, string>;
  body: string;
  code: ErrorCode;
  status: number;
  retryAfter: string | null;
  message: string;
}

const ERROR_CASES: ErrorCase[] = [
  { name: "400 bad request", upstream: 400, headers: {},
    body: azureBody("BadRequest", "Invalid value for 'temperature'"),
    code: "upstream_bad_request", status: 400, retryAfter: null,
    message: "Invalid value for 'temperature'" },
  { name: "401 wrong api-key", upstream: 401, headers: {},
    body: azureBody("401", "Access denied due to invalid subscription key."),
    code: "upstream_auth_failed", status: 401, retryAfter: null,
    message: "Access denied due to invalid subscription key." },
  { name: "401 gateway statusCode body", upstream: 401, headers: {},
    body: JSON.stringify({ statusCode: 401, message: "Unauthorized. Access token is missing." }),
    code: "upstream_auth_failed", status: 401, retryAfter: null,
    message: "Access token is missing." },
  { name: "403 network denied", upstream: 403, headers: {},
    body: azureBody("403", "Access denied due to Virtual Network/Firewall rules."),
    code: "upstream_permission_denied", status: 403, retryAfter: null,
    message: "Virtual Network/Firewall rules" },
  { name: "404 deployment missing", upstream: 404, headers: {},
    body: azureBody("DeploymentNotFound", "The API deployment for this resource does not exist."),
    code: "upstream_not_found", status: 404, retryAfter: null,
    message: "deployment for this resource does not exist" },
  { name: "429 retry-after", upstream: 429, headers: { "retry-after": "17" },
    body: azureBody("429", "Requests have exceeded the token rate limit."),
    code: "upstream_rate_limited", status: 429, retryAfter: "17",
    message: "exceeded the token rate limit" },
  { name: "429 retry-after-ms only", upstream: 429, headers: { "retry-after-ms": "2400" },
    body: azureBody("429", "Rate limit is exceeded."),
    code: "upstream_rate_limited", status: 429, retryAfter: "3",
    message: "Rate limit is exceeded." },
  { name: "429 both prefer seconds", upstream: 429,
    headers: { "retry-after": "5", "retry-after-ms": "4100" },
    body: azureBody("429", "Rate limit is exceeded."),
    code: "upstream_rate_limited", status: 429, retryAfter: "5",
    message: "Rate limit is exceeded." },
  { name: "500 server error", upstream: 500, headers: {},
    body: azureBody("InternalServerError", "The server had an error."),
    code: "upstream_error", status: 500, retryAfter: null, message: "The server had an error." },
  { name: "503 with retry-after", upstream: 503, headers: { "retry-after": "9" },
    body: azureBody("ServiceUnavailable", "The service is temporarily unavailable."),
    code: "upstream_overloaded", status: 503, retryAfter: "9",
    message: "temporarily unavailable" },
];

describe("azure decodeError table", () => {
  for (const testCase of ERROR_CASES) {
    test(testCase.name, () => {
      const headers = new Headers(testCase.headers);
      const error = azureCodec.decodeError(testCase.upstream, headers, testCase.body);

      expect(error.code).toBe(testCase.code);
      expect(error.status).toBe(testCase.status);
      expect(error.retryAfter).toBe(testCase.retryAfter);
      expect(error.message).toContain(testCase.message);
    });
  }
});

/** A prompt blocked by the input filter, hand-built from Azure's documented error body. */
const CONTENT_FILTER_BODY = JSON.stringify({
  error: {
    message: "The response was filtered due to the prompt triggering Azure OpenAI's content "
      + "management policy. Please modify your prompt and retry.",
    type: null,
    param: "prompt",
    code: "content_filter",
    status: 400,
    innererror: {
      code: "ResponsibleAIPolicyViolation",
      content_filter_result: {
        hate: { filtered: true, severity: "high" },
        jailbreak: { filtered: true, detected: true },
        self_harm: { filtered: false, severity: "safe" },
        sexual: { filtered: false, severity: "safe" },
        violence: { filtered: false, severity: "low" },
      },
    },
  },
});

describe("azure content_filter error", () => {
  test("400 keeps message and param", () => {
    const error = azureCodec.decodeError(400, new Headers(), CONTENT_FILTER_BODY);

    expect(error.code).toBe("upstream_bad_request");
    expect(error.status).toBe(400);
    expect(error.type).toBe("invalid_request_error");
    expect(error.param).toBe("prompt");
    expect(error.message).toContain("content management policy");
  });

  test("message names filtered categories", () => {
    const error = azureCodec.decodeError(400, new Headers(), CONTENT_FILTER_BODY);

    expect(error.message).toEndWith("(filtered categories: hate, jailbreak)");
    expect(error.message).not.toContain("violence");
  });

  test("no innererror, message unchanged", () => {
    const body = azureBody("content_filter", "The response was filtered.");
    const error = azureCodec.decodeError(400, new Headers(), body);

    expect(error.code).toBe("upstream_bad_request");
    expect(error.message).toBe("The response was filtered.");
  });

  test("other codes ignore innererror", () => {
    const body = JSON.stringify({ error: { code: "BadRequest", message: "Bad.",
      innererror: { content_filter_result: { hate: { filtered: true } } } } });
    expect(azureCodec.decodeError(400, new Headers(), body).message).toBe("Bad.");
  });

  test("plain-text body still maps", () => {
    const error = azureCodec.decodeError(502, new Headers(), "<html><title>Bad Gateway</title>");

    expect(error.code).toBe("upstream_error");
    expect(error.message).toBe("Bad Gateway");
  });
});
