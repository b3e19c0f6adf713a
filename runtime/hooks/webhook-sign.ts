import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Webhook signatures: `x-nexus-signature: t=<unix seconds>,v1=<hex>`, where the hex is
 * HMAC-SHA256, keyed with the configured secret (its UTF-8 bytes), over `<t>.<raw body>`.
 * Binding the timestamp into the MAC lets receivers reject replays older than a tolerance.
 */
export const SIGNATURE_HEADER = "x-nexus-signature";
export const REQUEST_ID_HEADER = "x-nexus-request-id";
/** The same for every attempt of one async delivery, so receivers can drop duplicates. */
export const DELIVERY_ID_HEADER = "x-nexus-delivery-id";

/** Default window, in seconds, in which a receiver accepts a signature's timestamp. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** Computes the hex MAC of a body signed at `timestamp` (unix seconds). */
export function signatureOf(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/** Builds the signature header value for a body. */
export function signatureHeader(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${signatureOf(secret, timestamp, body)}`;
}

export interface VerifyOptions {
  /** The receiver's clock, in unix seconds (default: now). */
  nowSeconds?: number;
  toleranceSeconds?: number;
}

/**
 * Checks a signature header against the raw body as received: the timestamp must be within the
 * tolerance of the receiver's clock and one `v1` entry must match, compared in constant time.
 */
export function verifySignature(
  secret: string,
  header: string | null,
  body: string,
  options: VerifyOptions = {},
): boolean {
  if (header === null) return false;
  const parts = header.split(",").map((part) => part.trim().split("="));
  const timestamp = parts.find(([name]) => name === "t")?.[1];
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) return false;

  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(now - Number(timestamp)) > tolerance) return false;

  const expected = Buffer.from(signatureOf(secret, Number(timestamp), body), "hex");
  return parts.some(([name, value]) => {
    if (name !== "v1" || value === undefined || !/^[0-9a-f]{64}$/.test(value)) return false;
    return timingSafeEqual(Buffer.from(value, "hex"), expected);
  });
}
