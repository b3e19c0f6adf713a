import { describe } from "bun:test";
import { replicateCodec } from "../../../runtime/providers/replicate/codec.ts";
import { type StatusErrorCase, testStatusErrorCases } from "../status-error-cases.ts";

/** Each case: a Replicate error response and the NexusError fields it must become. */
const CASES: StatusErrorCase[] = [
  {
    name: "401 problem details",
    status: 401,
    body: '{"title":"Unauthenticated","detail":"You did not pass a valid token","status":401}',
    expected: { code: "upstream_auth_failed", status: 401, type: "authentication_error",
      retryAfter: null },
    messagePart: "rejected the gateway's credential for Replicate: Unauthenticated: You did not",
  },
  {
    name: "402 payment required",
    status: 402,
    body: '{"title":"Insufficient credit","detail":"Add credit to continue.","status":402}',
    expected: { code: "upstream_permission_denied", status: 402, type: "permission_error",
      retryAfter: null },
    messagePart: "Insufficient credit: Add credit to continue.",
  },
  {
    name: "404 detail only",
    status: 404,
    body: '{"detail":"Not found."}',
    expected: { code: "upstream_not_found", status: 404, type: "not_found_error",
      retryAfter: null },
    messagePart: "Replicate error: Not found.",
  },
  {
    name: "422 validation",
    status: 422,
    body: '{"title":"Input validation failed","detail":"- input.max_tokens: Must be >= 1",' +
      '"status":422}',
    expected: { code: "upstream_bad_request", status: 422, type: "invalid_request_error",
      retryAfter: null },
    messagePart: "input.max_tokens: Must be >= 1",
  },
  {
    name: "429 with retry-after",
    status: 429,
    body: '{"title":"Request was throttled","detail":"Expected available in 4 seconds.",' +
      '"status":429}',
    retryAfter: "4",
    expected: { code: "upstream_rate_limited", status: 429, type: "rate_limit_error",
      retryAfter: "4" },
    messagePart: "Expected available in 4 seconds.",
  },
  {
    name: "502 HTML body",
    status: 502,
    body: "<html><body>Bad gateway</body></html>",
    expected: { code: "upstream_error", status: 502, type: "api_error", retryAfter: null },
    messagePart: "HTTP 502 with a non-JSON body",
  },
];

describe("replicate decodeError", () => {
  testStatusErrorCases(replicateCodec.decodeError, CASES);
});
