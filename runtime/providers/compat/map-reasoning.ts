import type { CompatProfile } from "./profile.ts";

const CANONICAL_FIELD = "reasoning_content";

/**
 * Returns a message or delta with the provider's reasoning field renamed to
 * `reasoning_content`. An object that already has `reasoning_content` keeps it, and the
 * provider's field is then left as sent, so no text is lost.
 */
export function mapReasoning<T extends Record<string, unknown>>(
  part: T,
  profile: CompatProfile,
): T {
  const field = profile.reasoningField;
  if (field === null || field === CANONICAL_FIELD) return part;
  if (part[field] === undefined || part[CANONICAL_FIELD] !== undefined) return part;

  const renamed: Record<string, unknown> = { ...part, [CANONICAL_FIELD]: part[field] };
  delete renamed[field];
  return renamed as T;
}

/** Returns whether the profile renames a reasoning field, so decoders can skip the walk. */
export function renamesReasoning(profile: CompatProfile): boolean {
  return profile.reasoningField !== null && profile.reasoningField !== CANONICAL_FIELD;
}
