/**
 * Characters of a client value that an error message quotes. Enough to recognise a model name,
 * a parameter path or a request id, and small enough that a 1.5 MB model name cannot turn an
 * error body, a log line or a traffic event into megabytes.
 */
export const MAX_QUOTED_INPUT_CHARS = 200;

/**
 * Returns `value` unchanged when it has at most `maxChars` UTF-16 code units, and otherwise its
 * first `maxChars` followed by an ellipsis and the original length, such as
 * `rrrr… (1500000 characters)`. A surrogate pair is never split, so the result stays valid
 * Unicode. Quote every client-controlled value in an error message through this.
 */
export function truncateInput(value: string, maxChars = MAX_QUOTED_INPUT_CHARS): string {
  if (value.length <= maxChars) return value;

  let end = maxChars;
  if (end > 0 && isHighSurrogate(value.charCodeAt(end - 1))) end -= 1;
  return `${value.slice(0, end)}… (${value.length} characters)`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
