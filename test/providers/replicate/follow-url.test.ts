import { describe, expect, test } from "bun:test";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { followableUrl, type UrlRole } from "../../../runtime/providers/replicate/follow-url.ts";

const BASE = "https://api.replicate.com/v1";

function follow(role: UrlRole, url: string | undefined, base = BASE): string | NexusError {
  try {
    return followableUrl({ urls: { [role]: url } }, role, base);
  } catch (error) {
    return error as NexusError;
  }
}

describe("replicate followableUrl", () => {
  test("accepts URLs on the base origin", () => {
    const url = "https://api.replicate.com/v1/predictions/abc";
    expect(follow("get", url)).toBe(url);
    expect(follow("cancel", `${url}/cancel`)).toBe(`${url}/cancel`);
  });

  test("accepts a stream on an API subdomain", () => {
    const url = "https://streaming.api.replicate.com/v1/predictions/abc";
    expect(follow("stream", url)).toBe(url);
  });

  test("rejects other origins", () => {
    const cases: [UrlRole, string, string?][] = [
      ["get", "https://evil.example/v1/predictions/abc"],
      ["get", "http://api.replicate.com/v1/predictions/abc"],
      ["get", "https://api.replicate.com:8443/v1/predictions/abc"],
      // Only the stream may be on a subdomain.
      ["get", "https://streaming.api.replicate.com/v1/predictions/abc"],
      ["stream", "https://api.replicate.com.evil.example/v1/predictions/abc"],
      ["stream", "http://streaming.api.replicate.com/v1/predictions/abc"],
      ["stream", "http://sub.127.0.0.1:80/x", "http://127.0.0.1:80/replicate/v1"],
      ["get", "http://localhost:4000/replicate/v1/predictions/a", "http://127.0.0.1:4000/r"],
    ];
    for (const [role, url, base] of cases) {
      const result = follow(role, url, base);
      expect(result).toBeInstanceOf(NexusError);
      expect((result as NexusError).code).toBe("upstream_invalid_response");
      expect((result as NexusError).status).toBe(502);
    }
  });

  test("rejects missing and invalid URLs", () => {
    expect((follow("get", undefined) as NexusError).message).toContain("has no urls.get");
    expect((follow("get", "not a url") as NexusError).message).toContain("not a valid URL");
  });
});
