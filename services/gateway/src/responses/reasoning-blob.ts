import type { ReasoningDetail } from "../../../../runtime/canonical/chat.ts";

/**
 * Marks `encrypted_content` that the gateway wrote itself. A reasoning item translated from
 * another provider (Anthropic thinking blocks with their signatures) carries the provider's
 * reasoning details there, so the client can send the item back, as it would to OpenAI, and
 * the provider gets its blocks replayed intact. The content is not encrypted: it contains the
 * provider's thinking text and signatures in base64url JSON.
 */
const PREFIX = "nexus.reasoning.v1:";

export function encodeReasoningDetails(details: ReasoningDetail[]): string | null {
  if (details.length === 0) return null;
  return PREFIX + Buffer.from(JSON.stringify(details)).toString("base64url");
}

/**
 * Returns the reasoning details stored by `encodeReasoningDetails`, or null for content the
 * gateway did not write (OpenAI's own encrypted reasoning, which only OpenAI can read).
 */
export function decodeReasoningDetails(content: unknown): ReasoningDetail[] | null {
  if (typeof content !== "string" || !content.startsWith(PREFIX)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(content.slice(PREFIX.length), "base64url").toString());
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  return parsed.filter(isDetail);
}

function isDetail(value: unknown): value is ReasoningDetail {
  if (typeof value !== "object" || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === "thinking" || type === "redacted_thinking";
}
