/**
 * Built-in detector kinds, in the id order of the WebAssembly engine (`wasm/pii/src/kinds.rs`).
 * Custom patterns and dictionaries take the ids after these, in the order they are configured.
 */
export const BUILTIN_KINDS = [
  "email",
  "phone",
  "credit_card",
  "iban",
  "us_ssn",
  "ipv4",
  "ipv6",
  "aws_access_key",
  "api_key",
  "bearer_token",
  "jwt",
  "private_key",
] as const;

export type BuiltinKind = (typeof BUILTIN_KINDS)[number];

/** Bit mask of the given kinds, as the engine's config expects (bit n enables kind id n). */
export function kindMask(kinds: readonly BuiltinKind[]): number {
  let mask = 0;
  for (const kind of kinds) mask |= 1 << BUILTIN_KINDS.indexOf(kind);
  return mask >>> 0;
}
