import { describe, expect, test } from "bun:test";
import { anthropicCodec } from "../../../runtime/providers/anthropic/codec.ts";

function errorBody(type: string, message: string): string {
  return JSON.stringify({ type: "error", error: { type, message }, request_id: "req_1" });
}

const cases = [
  {
    status: 400,
    type: "invalid_request_error",
    out: 400,
    code: "upstream_bad_request",
    kind: "invalid_request_error",
  },
  {
    status: 401,
    type: "authentication_error",
    out: 401,
    code: "upstream_auth_failed",
    kind: "authentication_error",
  },
  {
    status: 403,
    type: "permission_error",
    out: 403,
    code: "upstream_permission_denied",
    kind: "permission_error",
  },
  {
    status: 404,
    type: "not_found_error",
    out: 404,
    code: "upstream_not_found",
    kind: "not_found_error",
  },
  {
    status: 413,
    type: "request_too_large",
    out: 413,
    code: "upstream_request_too_large",
    kind: "invalid_request_error",
  },
  {
    status: 429,
    type: "rate_limit_error",
    out: 429,
    code: "upstream_rate_limited",
    kind: "rate_limit_error",
  },
  { status: 500, type: "api_error", out: 500, code: "upstream_error", kind: "api_error" },
  {
    status: 529,
    type: "overloaded_error",
    out: 503,
    code: "upstream_overloaded",
    kind: "overloaded_error",
  },
  {
    status: 504,
    type: "timeout_error",
    out: 504,
    code: "upstream_timeout",
    kind: "timeout_error",
  },
  {
    status: 402,
    type: "billing_error",
    out: 402,
    code: "upstream_bad_request",
    kind: "invalid_request_error",
  },
  { status: 502, type: "api_error", out: 502, code: "upstream_error", kind: "api_error" },
];

describe("decode error by status", () => {
  for (const row of cases) {
    test(`${row.status} ${row.type}`, () => {
      const headers = new Headers({ "retry-after": "17" });
      const message = `upstream says ${row.type}`;
      const error = anthropicCodec.decodeError(row.status, headers, errorBody(row.type, message));

      expect(error.code).toBe(row.code as never);
      expect(error.status).toBe(row.out);
      expect(error.type).toBe(row.kind as never);
      expect(error.message).toContain(message);
      expect(error.retryAfter).toBe(row.status === 429 || row.status >= 500 ? "17" : null);
    });
  }

  test("401 names the gateway credential", () => {
    const error = anthropicCodec.decodeError(
      401,
      new Headers(),
      errorBody("authentication_error", "invalid x-api-key"),
    );
    expect(error.message).toContain("rejected the gateway's credential");
    expect(error.message).toContain("invalid x-api-key");
  });

  test("non-JSON body", () => {
    const html = "<html><body>502 Bad Gateway</body></html>";
    const error = anthropicCodec.decodeError(502, new Headers(), html);

    expect(error.code).toBe("upstream_error");
    expect(error.status).toBe(502);
    expect(error.message).toContain("502 Bad Gateway");
  });

  test("empty body", () => {
    const error = anthropicCodec.decodeError(529, new Headers({ "retry-after": "3" }), "");

    expect(error.code).toBe("upstream_overloaded");
    expect(error.retryAfter).toBe("3");
    expect(error.message).toContain("empty body");
  });

  test("errors read from a socket", async () => {
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () =>
        new Response(errorBody("rate_limit_error", "Number of request tokens has exceeded"), {
          status: 429,
          headers: { "retry-after": "42", "content-type": "application/json" },
        }),
    });
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/v1/messages`, {
        method: "POST",
      });
      const error = anthropicCodec.decodeError(
        response.status,
        response.headers,
        await response.text(),
      );

      expect(error.code).toBe("upstream_rate_limited");
      expect(error.retryAfter).toBe("42");
    } finally {
      server.stop(true);
    }
  });
});
