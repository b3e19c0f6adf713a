import { describe, expect, test } from "bun:test";
import { createHash, createHmac } from "node:crypto";
import { AwsV4Signer } from "aws4fetch";
import { encodeChatRequest } from "../../../runtime/providers/bedrock/encode-request.ts";
import { authenticate, regionOf } from "../../../runtime/providers/bedrock/sign.ts";
import type { UpstreamRequest } from "../../../runtime/providers/codec.ts";
import { targetFor } from "./frames.ts";

/** Credentials and time of AWS's published SigV4 test suite (aws-sig-v4-test-suite). */
const SUITE = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  datetime: "20150830T123600Z",
  region: "us-east-1",
  service: "service",
};

describe("SigV4 signer against AWS's test suite", () => {
  // The expected Authorization values are the `.authz` files of the suite's get-vanilla and
  // post-vanilla cases: a request with only Host and X-Amz-Date signed, and an empty body.
  const cases = [
    ["GET", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"],
    ["POST", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"],
  ] as const;

  for (const [method, signature] of cases) {
    test(`${method.toLowerCase()}-vanilla`, async () => {
      const signer = new AwsV4Signer({ ...SUITE, method, url: "https://example.amazonaws.com/" });
      const signed = await signer.sign();
      expect(signed.headers.get("authorization")).toBe(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
          `SignedHeaders=host;x-amz-date, Signature=${signature}`,
      );
    });
  }
});

/** SigV4 computed here with node:crypto, from a canonical request written out by hand. */
function independentSignature(canonicalRequest: string, secret: string, datetime: string) {
  const date = datetime.slice(0, 8);
  const scope = `${date}/us-east-1/bedrock/aws4_request`;
  const hashed = createHash("sha256").update(canonicalRequest).digest("hex");
  const stringToSign = ["AWS4-HMAC-SHA256", datetime, scope, hashed].join("\n");

  const hmac = (key: string | Buffer, data: string) =>
    createHmac("sha256", key).update(data).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), "us-east-1"), "bedrock"), "aws4_request");
  return createHmac("sha256", key).update(stringToSign).digest("hex");
}

describe("Bedrock request signing", () => {
  const datetime = "20261204T120000Z";
  const request = (): UpstreamRequest =>
    encodeChatRequest({ model: "m", messages: [{ role: "user", content: "hi" }] }, targetFor());

  test("model id colon double-encoded", async () => {
    const plain = request();
    const signed = await authenticate(plain, targetFor(), datetime);
    const bodyHash = createHash("sha256").update(plain.body).digest("hex");
    const canonical = [
      "POST",
      // The URL carries `%3A`; the canonical URI of a non-S3 service encodes it again.
      "/model/anthropic.claude-3-5-haiku-20241022-v1%253A0/converse",
      "",
      "accept:application/json",
      "host:bedrock-runtime.us-east-1.amazonaws.com",
      `x-amz-date:${datetime}`,
      "",
      "accept;host;x-amz-date",
      bodyHash,
    ].join("\n");

    expect(plain.url).toBe(
      "https://bedrock-runtime.us-east-1.amazonaws.com/model/" +
        "anthropic.claude-3-5-haiku-20241022-v1%3A0/converse",
    );
    expect(signed.headers["x-amz-date"]).toBe(datetime);
    expect(signed.headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261204/us-east-1/bedrock/aws4_request, " +
        "SignedHeaders=accept;host;x-amz-date, " +
        `Signature=${independentSignature(canonical, "secret", datetime)}`,
    );
    expect(signed.body).toBe(plain.body);
    expect(signed.url).toBe(plain.url);
  });

  test("session token signed", async () => {
    const target = targetFor({
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "tok" },
    });
    const plain = request();
    const signed = await authenticate(plain, target, datetime);
    const canonical = [
      "POST",
      "/model/anthropic.claude-3-5-haiku-20241022-v1%253A0/converse",
      "",
      "accept:application/json",
      "host:bedrock-runtime.us-east-1.amazonaws.com",
      `x-amz-date:${datetime}`,
      "x-amz-security-token:tok",
      "",
      "accept;host;x-amz-date;x-amz-security-token",
      createHash("sha256").update(plain.body).digest("hex"),
    ].join("\n");

    expect(signed.headers["x-amz-security-token"]).toBe("tok");
    expect(signed.headers.authorization).toEndWith(
      `Signature=${independentSignature(canonical, "secret", datetime)}`,
    );
  });

  test("API key sent as bearer", async () => {
    const target = targetFor({ apiKey: "bedrock-api-key", credentials: {} });
    const signed = await authenticate(request(), target, datetime);
    expect(signed.headers.authorization).toBe("Bearer bedrock-api-key");
    expect(signed.headers["x-amz-date"]).toBeUndefined();
  });

  test("region from endpoint name", () => {
    const target = targetFor({
      region: undefined,
      baseUrl: "https://bedrock-runtime.eu-west-3.amazonaws.com",
    });
    expect(regionOf(target)).toBe("eu-west-3");
    expect(() => regionOf(targetFor({ region: undefined, baseUrl: "http://127.0.0.1:1" })))
      .toThrow(/no region/);
  });
});
