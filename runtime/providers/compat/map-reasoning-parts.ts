import type { CompatProfile } from "./profile.ts";

const CANONICAL_FIELD = "reasoning_content";

/**
 * Returns a message or delta whose reasoning parts (the profile's `reasoningPartsField`, an
 * array of `{text}` objects) are joined into `reasoning_content`. The parts stay beside it, so a
 * client that sends the message back returns them to the provider as it expects. The object is
 * returned as sent when it already has `reasoning_content` or when any part has no `text`
 * string, so no reasoning is lost or half-mapped.
 */
export function mapReasoningParts<T extends Record<string, unknown>>(
  part: T,
  profile: CompatProfile,
): T {
  const field = profile.reasoningPartsField;
  if (field === undefined || part[CANONICAL_FIELD] !== undefined) return part;

  const texts = partTexts(part[field]);
  if (texts === null) return part;

  return { ...part, [CANONICAL_FIELD]: texts.join("") };
}

function partTexts(parts: unknown): string[] | null {
  if (!Array.isArray(parts) || parts.length === 0) return null;

  const texts: string[] = [];
  for (const item of parts) {
    if (typeof item !== "object" || item === null) return null;
    const text = (item as Record<string, unknown>).text;
    if (typeof text !== "string") return null;
    texts.push(text);
  }
  return texts;
}
