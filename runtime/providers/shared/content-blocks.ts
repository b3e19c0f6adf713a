/**
 * Walks OpenAI message content (a string or an array of content parts) into a provider's
 * content blocks, for providers that reject empty text blocks (Anthropic, Bedrock): empty text
 * is dropped, and a message with no content gives no blocks.
 */

import type { ContentPart } from "../../canonical/chat.ts";
import { invalidRequest } from "../request-errors.ts";

/** A provider's block builders for user content. */
export interface UserBlockEncoders<Block> {
  text(text: string): Block;
  /** Encodes a part that is not text, or returns undefined for a type the provider lacks. */
  part(part: ContentPart, param: string): Block | undefined;
}

/** Encodes user content: text and the parts the provider's `part` encoder takes. */
export function encodeUserBlocks<Block>(
  content: unknown,
  param: string,
  encoders: UserBlockEncoders<Block>,
): Block[] {
  if (content === undefined || content === null) return [];
  if (typeof content === "string") return content === "" ? [] : [encoders.text(content)];
  if (!Array.isArray(content)) {
    throw invalidRequest(`${param} must be a string or an array of content parts.`, param);
  }

  const blocks: Block[] = [];
  content.forEach((part: ContentPart, index) => {
    const partParam = `${param}[${index}]`;
    if (part.type === "text") {
      const text = partText(part);
      if (text === null) throw invalidRequest(`${partParam}.text must be a string.`, partParam);
      if (text !== "") blocks.push(encoders.text(text));
      return;
    }

    const block = encoders.part(part, partParam);
    if (block === undefined) {
      throw invalidRequest(
        `${partParam} has unknown content part type '${String(part.type)}'.`,
        partParam,
      );
    }
    blocks.push(block);
  });
  return blocks;
}

/** Encodes content that may only hold text (system, developer and assistant messages). */
export function encodeTextBlocks<Block>(
  content: unknown,
  param: string,
  textBlock: (text: string) => Block,
): Block[] {
  if (content === undefined || content === null) return [];
  if (typeof content === "string") return content === "" ? [] : [textBlock(content)];
  if (!Array.isArray(content)) {
    throw invalidRequest(`${param} must be a string or an array of text parts.`, param);
  }

  const blocks: Block[] = [];
  content.forEach((part: ContentPart, index) => {
    const text = partText(part);
    if (text === null) {
      throw invalidRequest(
        `${param}[${index}] has type '${String(part.type)}', but only text parts are ` +
          "allowed here.",
        `${param}[${index}]`,
      );
    }
    if (text !== "") blocks.push(textBlock(text));
  });
  return blocks;
}

/** Returns the text of a text or refusal part, or null for any other part. */
function partText(part: ContentPart): string | null {
  if (part.type === "text" && typeof part.text === "string") return part.text;
  if (part.type === "refusal" && typeof part.refusal === "string") return part.refusal;
  return null;
}
