/**
 * CEF escaping, as the ArcSight CEF implementation standard defines it. A header field escapes
 * `\` and `|`. An extension value escapes `\` and `=`, and writes a line break as `\n` or `\r`.
 * A `|` inside an extension value needs no escape, because the header ends at the seventh `|`.
 */

/** Escapes one header field; line breaks are not allowed there, so they become spaces. */
export function escapeCefHeader(value: string): string {
  return value.replace(/[\\|]/g, (char) => `\\${char}`).replace(/\r\n|[\r\n]/g, " ");
}

/** Escapes one extension value. */
export function escapeCefValue(value: string): string {
  return value
    .replace(/[\\=]/g, (char) => `\\${char}`)
    .replace(/\r\n|\n/g, "\\n")
    .replace(/\r/g, "\\r");
}

/** CEF extension keys are alphanumeric; anything else would break the key=value parse. */
export function isCefKey(key: string): boolean {
  return /^[A-Za-z0-9_]+$/.test(key);
}
