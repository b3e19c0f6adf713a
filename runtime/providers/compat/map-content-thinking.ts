import { isRecord } from "../openai/is-record.ts";

/**
 * Returns a message or delta whose `content` array of `text` and `thinking` parts (Mistral's
 * Magistral models) is split into a `content` string and `reasoning_content`. Without text parts
 * a message gets `content: null` and a delta no `content`. The object is returned as sent when
 * any part has another shape, so nothing is lost or half-mapped.
 */
export function mapContentThinking<T extends Record<string, unknown>>(
  part: T,
  kind: "message" | "delta",
): T {
  if (!Array.isArray(part.content)) return part;

  const split = splitParts(part.content);
  if (split === null) return part;

  const mapped: Record<string, unknown> = { ...part };
  if (split.texts.length > 0) mapped.content = split.texts.join("");
  else if (kind === "message") mapped.content = null;
  else delete mapped.content;

  if (split.thoughts.length > 0 && part.reasoning_content === undefined) {
    mapped.reasoning_content = split.thoughts.join("");
  }
  return mapped as T;
}

function splitParts(parts: unknown[]): { texts: string[]; thoughts: string[] } | null {
  const texts: string[] = [];
  const thoughts: string[] = [];
  for (const item of parts) {
    if (!isRecord(item)) return null;

    if (item.type === "text" && typeof item.text === "string") {
      texts.push(item.text);
    } else if (item.type === "thinking" && Array.isArray(item.thinking)) {
      for (const inner of item.thinking) {
        if (!isRecord(inner) || typeof inner.text !== "string") return null;
        thoughts.push(inner.text);
      }
    } else {
      return null;
    }
  }
  return { texts, thoughts };
}
