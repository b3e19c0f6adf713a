import { describe, expect, test } from "bun:test";
import { voyageCodec } from "../../../runtime/providers/voyage/codec.ts";

/** Each case: a Voyage error response and the NexusError fields it must become. */
const CASES: {
  status: number;
  body: string;
  retryAfter?: string;
  code: string;
  clientStatus: number;
  type: string;
  expectedRetryAfter: string | null;
  messagePart: string;
}[] = [
  {
    status: 400,
    body: '{"detail":"Request to model \'voyage-3.5\' failed. The max allowed tokens is 320000."}',
    code: "upstream_bad_request",
    clientStatus: 400,
    type: "invalid_request_error",
    expectedRetryAfter: null,
    messagePart: "max allowed tokens",
  },
  {
    status: 401,
    body: '{"detail":"Provided API key is invalid."}',
    code: "upstream_auth_failed",
    clientStatus: 401,
    type: "authentication_error",
    expectedRetryAfter: null,
    messagePart: "rejected the gateway's credential",
  },
  {
    status: 403,
    body: '{"detail":"Forbidden"}',
    code: "upstream_permission_denied",
    clientStatus: 403,
    type: "permission_error",
    expectedRetryAfter: null,
    messagePart: "Forbidden",
  },
  {
    status: 404,
    body: '{"detail":"Model voyage-9 is not supported."}',
    code: "upstream_not_found",
    clientStatus: 404,
    type: "not_found_error",
    expectedRetryAfter: null,
    messagePart: "voyage-9",
  },
  {
    status: 422,
    body: '{"detail":[{"loc":["body","input"],"msg":"field required","type":"missing"}]}',
    code: "upstream_bad_request",
    clientStatus: 422,
    type: "invalid_request_error",
    expectedRetryAfter: null,
    messagePart: "field required",
  },
  {
    status: 429,
    body: '{"detail":"You have exceeded your TPM rate limit."}',
    retryAfter: "12",
    code: "upstream_rate_limited",
    clientStatus: 429,
    type: "rate_limit_error",
    expectedRetryAfter: "12",
    messagePart: "TPM rate limit",
  },
  {
    status: 500,
    body: '{"detail":"Internal server error"}',
    code: "upstream_error",
    clientStatus: 500,
    type: "api_error",
    expectedRetryAfter: null,
    messagePart: "Internal server error",
  },
  {
    status: 503,
    body: '{"detail":"Service unavailable"}',
    retryAfter: "3",
    code: "upstream_overloaded",
    clientStatus: 503,
    type: "overloaded_error",
    expectedRetryAfter: "3",
    messagePart: "Service unavailable",
  },
  {
    status: 504,
    body: "",
    code: "upstream_timeout",
    clientStatus: 504,
    type: "timeout_error",
    expectedRetryAfter: null,
    messagePart: "HTTP 504 with an empty body",
  },
  {
    status: 507,
    body: "<html>insufficient storage</html>",
    code: "upstream_error",
    clientStatus: 502,
    type: "api_error",
    expectedRetryAfter: null,
    messagePart: "non-JSON body: <html>",
  },
  {
    status: 400,
    body: '{"detail":"bad"}',
    retryAfter: "5",
    code: "upstream_bad_request",
    clientStatus: 400,
    type: "invalid_request_error",
    expectedRetryAfter: null,
    messagePart: "bad",
  },
];

describe("Voyage error mapping", () => {
  for (const c of CASES) {
    const label = `${c.status} ${c.retryAfter === undefined ? "" : "retry-after "}`;
    test(`maps ${label}${c.messagePart.slice(0, 24)}`, () => {
      const init: Record<string, string> =
        c.retryAfter === undefined ? {} : { "retry-after": c.retryAfter };
      const headers = new Headers(init);
      const error = voyageCodec.decodeError(c.status, headers, c.body);
      expect(error.code).toBe(c.code as typeof error.code);
      expect(error.status).toBe(c.clientStatus);
      expect(error.type).toBe(c.type as typeof error.type);
      expect(error.retryAfter).toBe(c.expectedRetryAfter);
      expect(error.message).toContain(c.messagePart);
    });
  }
});
