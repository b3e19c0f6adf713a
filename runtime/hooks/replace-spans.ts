/**
 * Replaces spans of a text, sorted by start. A span that overlaps the one before it is
 * skipped, so each character is replaced at most once.
 */
export function replaceSpans<T extends { start: number; end: number }>(
  text: string,
  spans: readonly T[],
  replacement: string | ((span: T) => string),
): string {
  let out = "";
  let position = 0;
  for (const span of spans) {
    if (span.start < position) continue;
    out += text.slice(position, span.start);
    out += typeof replacement === "string" ? replacement : replacement(span);
    position = span.end;
  }
  return out + text.slice(position);
}
