import { describe, expect, test } from "bun:test";
import type { ErrorCode } from "../../../runtime/errors/nexus-error.ts";
import { geminiCodec } from "../../../runtime/providers/gemini/codec.ts";
import { fixturesPresent, readFixture } from "./fixtures.ts";

function googleError(code: number, status: string, message: string): string {
  return JSON.stringify({ error: { code, message, status } });
}

interface Case {
  name: string;
  status: number;
  body: string;
  headers?: Record<string, string>;
  code: ErrorCode;
  clientStatus: number;
  retryAfter: string | null;
}

const CASES: Case[] = [
  {
    name: "invalid argument",
    status: 400,
    body: googleError(400, "INVALID_ARGUMENT", "Invalid JSON payload."),
    code: "upstream_bad_request",
    clientStatus: 400,
    retryAfter: null,
  },
  {
    name: "unauthenticated",
    status: 401,
    body: googleError(401, "UNAUTHENTICATED", "Request had invalid credentials."),
    code: "upstream_auth_failed",
    clientStatus: 401,
    retryAfter: null,
  },
  {
    name: "permission denied",
    status: 403,
    body: googleError(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers."),
    code: "upstream_permission_denied",
    clientStatus: 403,
    retryAfter: null,
  },
  {
    name: "model not found",
    status: 404,
    body: googleError(404, "NOT_FOUND", "models/nope is not found."),
    code: "upstream_not_found",
    clientStatus: 404,
    retryAfter: null,
  },
  {
    name: "rate limited with a retry-after header",
    status: 429,
    body: googleError(429, "RESOURCE_EXHAUSTED", "Quota exceeded."),
    headers: { "retry-after": "7" },
    code: "upstream_rate_limited",
    clientStatus: 429,
    retryAfter: "7",
  },
  {
    name: "internal error",
    status: 500,
    body: googleError(500, "INTERNAL", "An internal error has occurred."),
    code: "upstream_error",
    clientStatus: 500,
    retryAfter: null,
  },
  {
    name: "overloaded",
    status: 503,
    body: googleError(503, "UNAVAILABLE", "The model is overloaded."),
    headers: { "retry-after": "2" },
    code: "upstream_overloaded",
    clientStatus: 503,
    retryAfter: "2",
  },
  {
    name: "an invalid API key reported as a 400",
    status: 400,
    body: JSON.stringify({
      error: {
        code: 400,
        message: "API key not valid. Please pass a valid API key.",
        status: "INVALID_ARGUMENT",
        details: [
          { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID" },
        ],
      },
    }),
    code: "upstream_auth_failed",
    clientStatus: 401,
    retryAfter: null,
  },
  {
    name: "an HTML page from a proxy",
    status: 502,
    body: "<html>bad gateway</html>",
    code: "upstream_error",
    clientStatus: 502,
    retryAfter: null,
  },
];

describe("decodeError", () => {
  for (const entry of CASES) {
    test(entry.name, () => {
      const error = geminiCodec.decodeError(
        entry.status,
        new Headers(entry.headers ?? {}),
        entry.body,
      );
      expect(error.code).toBe(entry.code);
      expect(error.status).toBe(entry.clientStatus);
      expect(error.retryAfter).toBe(entry.retryAfter);
    });
  }

  test("the provider's message is kept", () => {
    const error = geminiCodec.decodeError(
      404,
      new Headers(),
      googleError(404, "NOT_FOUND", "models/x is not found."),
    );
    expect(error.message).toContain("models/x is not found.");
  });

  test.skipIf(!fixturesPresent)("the recorded 429 takes its retry delay from RetryInfo", () => {
    const body = readFixture("google-429-retry-info.json");
    const error = geminiCodec.decodeError(429, new Headers(), body);
    expect(error.code).toBe("upstream_rate_limited");
    expect(error.status).toBe(429);
    expect(error.type).toBe("rate_limit_error");
    // "34.4s" rounded up to whole seconds, as retry-after carries them.
    expect(error.retryAfter).toBe("35");
    expect(error.message).toContain("You exceeded your current quota");
  });

  test.skipIf(!fixturesPresent)("a retry-after header wins over RetryInfo", () => {
    const body = readFixture("google-429-retry-info.json");
    const error = geminiCodec.decodeError(429, new Headers({ "retry-after": "3" }), body);
    expect(error.retryAfter).toBe("3");
  });
});
