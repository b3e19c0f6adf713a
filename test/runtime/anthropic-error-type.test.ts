import { describe, expect, test } from "bun:test";
import { anthropicErrorType } from "../../runtime/errors/anthropic-shape.ts";
import { NexusError } from "../../runtime/errors/nexus-error.ts";

function typeFor(status: number, type: "overloaded_error" | "api_error"): string {
  return anthropicErrorType(new NexusError("upstream_overloaded", "busy", { status, type }));
}

describe("anthropic error type", () => {
  test("overload at 529 stays overloaded_error", () => {
    expect(typeFor(529, "overloaded_error")).toBe("overloaded_error");
  });

  test("overload at 503 becomes api_error", () => {
    expect(typeFor(503, "overloaded_error")).toBe("api_error");
  });

  test("status table still applies", () => {
    const tooLarge = new NexusError("body_too_large", "big",
      { status: 413, type: "invalid_request_error" });
    expect(anthropicErrorType(tooLarge)).toBe("request_too_large");
  });
});
