import { KeyInputError } from "./key-input-error.ts";

/** Maximum length of a key name, in Unicode code points. */
export const MAX_KEY_NAME_LENGTH = 128;

/**
 * Characters that a name cannot contain: controls (Cc), format characters such as zero-width
 * spaces and direction overrides (Cf), lone surrogates (Cs), and line and paragraph separators
 * (Zl, Zp). Each either makes two names look the same or breaks the `keys list` table.
 */
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

/** Every forbidden character, for escaping them all in a message. */
const FORBIDDEN_ALL = new RegExp(FORBIDDEN.source, "gu");

/**
 * Quotes a name for an error message, with each forbidden character written as a `\uXXXX`
 * escape (one per UTF-16 code unit), so the terminal shows it rather than acting on it. A raw
 * U+202E would reverse the rest of the line, and a raw U+200B would not show at all.
 */
function quoteName(name: string): string {
  // split("") yields UTF-16 code units, so a character past U+FFFF becomes a surrogate pair.
  return JSON.stringify(name).replace(FORBIDDEN_ALL, (character) => character.split("")
    .map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, "0")}`)
    .join(""));
}

/**
 * Validates a key name and returns it in Unicode NFC, the form in which it is stored and
 * compared, so that a name typed with a precomposed "é" and one with "e" plus a combining
 * accent are the same name. Raises KeyInputError naming the problem.
 */
export function normalizeKeyName(name: string): string {
  // Bun decodes argv bytes that are not valid UTF-8 as U+FFFD (checked on Bun 1.4.5), so a name
  // containing it most likely lost characters on the way in.
  if (name.includes("\uFFFD")) {
    throw new KeyInputError(`invalid key name ${quoteName(name)}: it contains U+FFFD, the ` +
      "replacement character for bytes that are not valid UTF-8; pass the name in UTF-8");
  }

  const forbidden = FORBIDDEN.exec(name);
  if (forbidden !== null) {
    const codePoint = forbidden[0].codePointAt(0) ?? 0;
    const hex = codePoint.toString(16).toUpperCase().padStart(4, "0");
    throw new KeyInputError(`invalid key name ${quoteName(name)}: it contains U+${hex}; ` +
      "control, format and line-separator characters are not allowed");
  }

  const normalized = name.normalize("NFC");
  const length = [...normalized].length;
  if (length === 0 || normalized.trim() === "") throw new KeyInputError("name must not be empty");
  if (normalized.trim() !== normalized) {
    throw new KeyInputError(`invalid key name ${quoteName(name)}: remove the leading or ` +
      "trailing whitespace");
  }
  if (length > MAX_KEY_NAME_LENGTH) {
    throw new KeyInputError(`invalid key name: it has ${length} characters, the maximum is ` +
      `${MAX_KEY_NAME_LENGTH}`);
  }
  return normalized;
}
