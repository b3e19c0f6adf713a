import { describe, expect, test } from "bun:test";
import { cohereCodec } from "../../../runtime/providers/cohere/codec.ts";
import { type StatusErrorCase, testStatusErrorCases } from "../status-error-cases.ts";

/** Each case: a Cohere error response and the NexusError fields it must become. */
const CASES: StatusErrorCase[] = [
  {
    name: "400 with message",
    status: 400,
    body: '{"id":"3c6a2b4e","message":"invalid request: messages must not be empty"}',
    expected: {
      code: "upstream_bad_request",
      status: 400,
      type: "invalid_request_error",
      retryAfter: null,
    },
    messagePart: "messages must not be empty",
  },
  {
    name: "401 invalid key",
    status: 401,
    body: '{"message":"invalid api token"}',
    expected: {
      code: "upstream_auth_failed",
      status: 401,
      type: "authentication_error",
      retryAfter: null,
    },
    messagePart: "rejected the gateway's credential",
  },
  {
    name: "498 invalid token",
    status: 498,
    body: '{"message":"invalid api token"}',
    expected: {
      code: "upstream_auth_failed",
      status: 401,
      type: "authentication_error",
      retryAfter: null,
    },
    messagePart: "invalid api token",
  },
  {
    name: "404 unknown model",
    status: 404,
    body: '{"id":"a1","message":"model \'command-x\' not found"}',
    expected: {
      code: "upstream_not_found",
      status: 404,
      type: "not_found_error",
      retryAfter: null,
    },
    messagePart: "command-x",
  },
  {
    name: "422 unprocessable",
    status: 422,
    body: '{"message":"too many stop sequences"}',
    expected: {
      code: "upstream_bad_request",
      status: 422,
      type: "invalid_request_error",
      retryAfter: null,
    },
    messagePart: "too many stop sequences",
  },
  {
    name: "429 keeps retry-after",
    status: 429,
    body: '{"message":"You are using a Trial key, which is limited to 10 API calls / minute."}',
    retryAfter: "12",
    expected: {
      code: "upstream_rate_limited",
      status: 429,
      type: "rate_limit_error",
      retryAfter: "12",
    },
    messagePart: "Trial key",
  },
  {
    name: "500 internal",
    status: 500,
    body: '{"message":"internal server error"}',
    expected: { code: "upstream_error", status: 500, type: "api_error", retryAfter: null },
    messagePart: "internal server error",
  },
  {
    name: "503 unavailable with retry-after",
    status: 503,
    body: '{"message":"service unavailable"}',
    retryAfter: "30",
    expected: {
      code: "upstream_overloaded",
      status: 503,
      type: "overloaded_error",
      retryAfter: "30",
    },
    messagePart: "service unavailable",
  },
  {
    name: "502 HTML from a proxy",
    status: 502,
    body: "<html><body>Bad Gateway</body></html>",
    expected: { code: "upstream_error", status: 502, type: "api_error", retryAfter: null },
    messagePart: "non-JSON body: <html>",
  },
  {
    name: "400 empty body",
    status: 400,
    body: "",
    expected: {
      code: "upstream_bad_request",
      status: 400,
      type: "invalid_request_error",
      retryAfter: null,
    },
    messagePart: "empty body",
  },
];

describe("Cohere error responses", () => {
  testStatusErrorCases(cohereCodec.decodeError, CASES);

  test("400 ignores retry-after", () => {
    const headers = new Headers({ "retry-after": "5" });
    const error = cohereCodec.decodeError(400, headers, '{"message":"bad"}');
    expect(error.retryAfter).toBeNull();
  });
});
