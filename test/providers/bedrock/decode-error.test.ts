import { describe, expect, test } from "bun:test";
import { bedrockCodec } from "../../../runtime/providers/bedrock/codec.ts";

const NAMESPACE = ":http://internal.amazon.com/coral/com.amazon.bedrock/";

describe("Bedrock HTTP errors", () => {
  const cases = [
    ["ThrottlingException", 429, 429, "upstream_rate_limited"],
    ["AccessDeniedException", 403, 403, "upstream_permission_denied"],
    ["UnrecognizedClientException", 403, 401, "upstream_auth_failed"],
    ["InvalidSignatureException", 403, 401, "upstream_auth_failed"],
    ["ValidationException", 400, 400, "upstream_bad_request"],
    ["ResourceNotFoundException", 404, 404, "upstream_not_found"],
    ["ModelTimeoutException", 408, 504, "upstream_timeout"],
    ["ServiceUnavailableException", 503, 503, "upstream_overloaded"],
    ["ModelNotReadyException", 429, 503, "upstream_overloaded"],
    ["InternalServerException", 500, 500, "upstream_error"],
    ["ModelErrorException", 424, 502, "upstream_error"],
  ] as const;

  for (const [type, upstreamStatus, status, code] of cases) {
    test(`${type} mapped`, () => {
      const headers = new Headers({ "x-amzn-errortype": `${type}${NAMESPACE}` });
      const error = bedrockCodec.decodeError(upstreamStatus, headers, '{"message":"boom"}');
      expect(error.code).toBe(code);
      expect(error.status).toBe(status);
      expect(error.message).toContain("boom");
      expect(error.message).toContain(type);
    });
  }

  test("retry-after kept on 429", () => {
    const headers = new Headers({
      "x-amzn-errortype": `ThrottlingException${NAMESPACE}`,
      "retry-after": "7",
    });
    const error = bedrockCodec.decodeError(429, headers, '{"message":"Too many requests"}');
    expect(error.retryAfter).toBe("7");
  });

  test("retry-after dropped on 400", () => {
    const headers = new Headers({ "x-amzn-errortype": "ValidationException", "retry-after": "7" });
    expect(bedrockCodec.decodeError(400, headers, "{}").retryAfter).toBeNull();
  });

  test("status fallback without header", () => {
    const error = bedrockCodec.decodeError(502, new Headers(), "<html>Bad gateway</html>");
    expect(error.code).toBe("upstream_error");
    expect(error.status).toBe(502);
    expect(error.message).toContain("non-JSON body");
  });

  test("__type in body", () => {
    const body = JSON.stringify({
      __type: "com.amazon.coral.service#UnrecognizedClientException",
      message: "bad",
    });
    expect(bedrockCodec.decodeError(403, new Headers(), body).code).toBe("upstream_auth_failed");
  });
});
