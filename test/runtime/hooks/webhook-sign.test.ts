import { createHmac, timingSafeEqual } from "node:crypto";
import { describe, expect, test } from "bun:test";
import { signatureHeader, verifySignature } from "../../../runtime/hooks/webhook-sign.ts";

const SECRET = "whsec-test-0123456789abcdef";
const BODY = JSON.stringify({ event: "nexus.compliance.check", requestId: "req_1" });
const NOW = 1_780_000_000;

/** Verifies a header by the README's receiver procedure, with node:crypto only. */
function verifyAsDocumented(secret: string, header: string, rawBody: string, now: number) {
  const fields = Object.fromEntries(header.split(",").map((part) => part.split("=")));
  const age = Math.abs(now - Number(fields.t));
  if (!(age <= 300)) return false;
  const expected = createHmac("sha256", secret).update(`${fields.t}.${rawBody}`).digest();
  const received = Buffer.from(String(fields.v1), "hex");
  return received.length === expected.length && timingSafeEqual(received, expected);
}

describe("webhook signature", () => {
  const header = signatureHeader(SECRET, BODY, NOW);

  test("header has timestamp and hex MAC", () => {
    expect(header).toMatch(/^t=1780000000,v1=[0-9a-f]{64}$/);
  });

  test("documented procedure verifies it", () => {
    expect(verifyAsDocumented(SECRET, header, BODY, NOW + 10)).toBe(true);
    expect(verifyAsDocumented("wrong-secret-0123456789", header, BODY, NOW)).toBe(false);
  });

  test("verifySignature accepts the right key", () => {
    expect(verifySignature(SECRET, header, BODY, { nowSeconds: NOW })).toBe(true);
  });

  test("verifySignature rejects a wrong key", () => {
    expect(verifySignature("wrong-secret-0123456789", header, BODY, { nowSeconds: NOW }))
      .toBe(false);
  });

  test("verifySignature rejects a changed body", () => {
    expect(verifySignature(SECRET, header, `${BODY} `, { nowSeconds: NOW })).toBe(false);
  });

  test("verifySignature rejects an old timestamp", () => {
    expect(verifySignature(SECRET, header, BODY, { nowSeconds: NOW + 301 })).toBe(false);
    expect(verifySignature(SECRET, header, BODY, { nowSeconds: NOW + 301, toleranceSeconds: 600 }))
      .toBe(true);
  });

  test("verifySignature rejects malformed headers", () => {
    for (const bad of [null, "", "t=abc,v1=00", `v1=${"0".repeat(64)}`, `t=${NOW},v1=zz`]) {
      expect(verifySignature(SECRET, bad, BODY, { nowSeconds: NOW })).toBe(false);
    }
  });
});
