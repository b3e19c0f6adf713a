import type { Target } from "../../../runtime/providers/codec.ts";

/** A Voyage target as the gateway builds it from config; tests replace `baseUrl` as needed. */
export const target: Target = {
  provider: "voyage-main",
  baseUrl: "https://api.voyageai.com/",
  apiKey: "pa-test-key",
  headers: {},
  upstreamModel: "voyage-3.5",
};

/** Encodes little-endian float32 values as base64, the byte layout OpenAI and Voyage use. */
export function floatsToBase64(values: number[]): string {
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((value, i) => bytes.writeFloatLE(value, i * 4));
  return bytes.toString("base64");
}

/** Decodes a base64 string of little-endian float32 values. */
export function base64ToFloats(text: string): number[] {
  const bytes = Buffer.from(text, "base64");
  const values: number[] = [];
  for (let offset = 0; offset < bytes.length; offset += 4) values.push(bytes.readFloatLE(offset));
  return values;
}
