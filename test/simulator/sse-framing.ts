/**
 * Frames one server-sent event the way a provider does, or in an odd but valid variant
 * (WHATWG HTML, "Parsing an event stream": CRLF line ends, no space after the colon, comment
 * lines and blank lines are all legal), so that parsers can be tested against them.
 */

import type { SseStyle } from "./behaviour.ts";

/** `event` is omitted for OpenAI, whose streams carry only `data:` lines. */
export function frameEvent(data: string, event?: string, style?: SseStyle): string {
  const fields = event === undefined ? [["data", data]] : [["event", event], ["data", data]];

  if (style === "crlf") {
    return fields.map(([name, value]) => `${name}: ${value}\r\n`).join("") + "\r\n";
  }
  if (style === "padded") {
    const lines = fields.map(([name, value]) => `${name}:${value}\n`).join("");
    // A comment line before the event and an extra blank line after it dispatch nothing.
    return `: simulator padding\n${lines}\n\n`;
  }
  return fields.map(([name, value]) => `${name}: ${value}\n`).join("") + "\n";
}
