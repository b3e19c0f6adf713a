import { describe, expect, test } from "bun:test";
import type { ErrorCode, OpenAIErrorType } from "../../../runtime/errors/nexus-error.ts";
import { openaiCodec } from "../../../runtime/providers/openai/codec.ts";
import { fixturesAvailable, readFixtureText } from "./recorded-fixtures.ts";

function openaiBody(message: string, type: string, param: string | null = null): string {
  return JSON.stringify({ error: { message, type, param, code: null } });
}

interface StatusCase {
  upstream: number;
  code: ErrorCode;
  status: number;
  type: OpenAIErrorType;
  retryAfter: string | null;
}

const STATUS_CASES: StatusCase[] = [
  { upstream: 400, code: "upstream_bad_request", status: 400, type: "invalid_request_error",
    retryAfter: null },
  { upstream: 401, code: "upstream_auth_failed", status: 401, type: "authentication_error",
    retryAfter: null },
  { upstream: 403, code: "upstream_permission_denied", status: 403, type: "permission_error",
    retryAfter: null },
  { upstream: 404, code: "upstream_not_found", status: 404, type: "not_found_error",
    retryAfter: null },
  { upstream: 409, code: "upstream_bad_request", status: 409, type: "invalid_request_error",
    retryAfter: null },
  { upstream: 413, code: "upstream_bad_request", status: 413, type: "invalid_request_error",
    retryAfter: null },
  { upstream: 422, code: "upstream_bad_request", status: 422, type: "invalid_request_error",
    retryAfter: null },
  { upstream: 429, code: "upstream_rate_limited", status: 429, type: "rate_limit_error",
    retryAfter: "20" },
  { upstream: 500, code: "upstream_error", status: 500, type: "api_error", retryAfter: null },
  { upstream: 502, code: "upstream_error", status: 502, type: "api_error", retryAfter: null },
  { upstream: 503, code: "upstream_overloaded", status: 503, type: "overloaded_error",
    retryAfter: "7" },
  { upstream: 529, code: "upstream_overloaded", status: 503, type: "overloaded_error",
    retryAfter: "30" },
  { upstream: 504, code: "upstream_error", status: 502, type: "api_error", retryAfter: null },
  { upstream: 520, code: "upstream_error", status: 502, type: "api_error", retryAfter: null },
];

describe("decodeError status table", () => {
  for (const testCase of STATUS_CASES) {
    test(`HTTP ${testCase.upstream} becomes ${testCase.code}`, () => {
      const headers = new Headers();
      if (testCase.retryAfter !== null) headers.set("retry-after", testCase.retryAfter);
      const body = openaiBody(`upstream said ${testCase.upstream}`, "some_type", "messages");
      const error = openaiCodec.decodeError(testCase.upstream, headers, body);

      expect(error.code).toBe(testCase.code);
      expect(error.status).toBe(testCase.status);
      expect(error.type).toBe(testCase.type);
      expect(error.retryAfter).toBe(testCase.retryAfter);
      expect(error.message).toContain(`upstream said ${testCase.upstream}`);
    });
  }

  test("400 keeps param", () => {
    const body = openaiBody("Invalid value", "invalid_request_error", "temperature");
    expect(openaiCodec.decodeError(400, new Headers(), body).param).toBe("temperature");
  });

  test("401 names the gateway credential", () => {
    const message = "Incorrect API key provided: sk-proj-****abcd. Find your key elsewhere.";
    const error = openaiCodec.decodeError(401, new Headers(), openaiBody(message, "invalid"));

    expect(error.message).toContain("rejected the gateway's credential");
    expect(error.message).toContain("Incorrect API key provided");
    expect(error.message).not.toContain("sk-proj");
    expect(error.message).not.toContain("abcd");
  });

  test("retry-after-ms becomes seconds", () => {
    const headers = new Headers({ "retry-after-ms": "1500" });
    expect(openaiCodec.decodeError(429, headers, "{}").retryAfter).toBe("2");
  });

  test("retry-after wins over retry-after-ms", () => {
    const headers = new Headers({ "retry-after": "3", "retry-after-ms": "9000" });
    expect(openaiCodec.decodeError(429, headers, "{}").retryAfter).toBe("3");
  });
});

describe("decodeError body shapes", () => {
  const cases: [string, number, string, string][] = [
    ["HTML gateway page", 502,
      "<html><head><title>502 Bad Gateway</title></head><body><h1>x</h1></body></html>",
      "502 Bad Gateway"],
    ["plain text", 503, "upstream connect error or disconnect/reset before headers",
      "upstream connect error or disconnect/reset before headers"],
    ["error as string", 400, JSON.stringify({ error: "model is required" }), "model is required"],
    ["FastAPI detail", 422, JSON.stringify({ detail: "Field required" }), "Field required"],
    ["top-level message", 404, JSON.stringify({ message: "No such model" }), "No such model"],
    ["empty body", 500, "", "The upstream provider returned HTTP 500."],
    ["JSON without message", 500, "{}", "The upstream provider returned HTTP 500."],
    ["bearer echo", 400, JSON.stringify({ error: "bad header Bearer abc.def" }),
      "bad header Bearer [redacted]"],
  ];
  for (const [name, status, body, message] of cases) {
    test(name, () => {
      expect(openaiCodec.decodeError(status, new Headers(), body).message).toBe(message);
    });
  }

  test("long text body is clipped", () => {
    const message = openaiCodec.decodeError(500, new Headers(), "x".repeat(5000)).message;
    expect(message.length).toBeLessThan(400);
  });
});

describe.skipIf(!fixturesAvailable)("decodeError on recorded bodies", () => {
  test("legacy parameter error as 400", () => {
    const name = "vercel-ai/openai-chat/reasoning-model-legacy-parameter-error.json";
    const text = readFixtureText(name);
    const recorded = (JSON.parse(text) as { error: { message: string; param: string } }).error;
    const error = openaiCodec.decodeError(400, new Headers(), text);

    expect(error.code).toBe("upstream_bad_request");
    expect(error.status).toBe(400);
    expect(error.type).toBe("invalid_request_error");
    expect(error.message).toBe(recorded.message);
    expect(error.param).toBe(recorded.param);
  });
});
