/**
 * Translates Anthropic user content blocks (text, image, document) into canonical content
 * parts. `cache_control` and `citations` settings on a block are dropped, because only
 * Anthropic reads them.
 */

import type { ContentPart, TextPart } from "../../../../runtime/canonical/chat.ts";
import { truncateInput } from "../../../../runtime/errors/truncate-input.ts";
import {
  invalidRequest,
  unsupportedParameterFor,
} from "../../../../runtime/providers/request-errors.ts";
import type { AnthropicBlock } from "./request-schema.ts";

const IMAGE_MEDIA_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

/** Translates one text, image or document block, with `param` naming the block in errors. */
export function decodeContentBlock(
  block: AnthropicBlock,
  param: string,
  providerType: string,
): ContentPart {
  switch (block.type) {
    case "text":
      return { type: "text", text: readString(block, "text", param) };
    case "image":
      return decodeImage(block, param, providerType);
    case "document":
      return decodeDocument(block, param, providerType);
    default:
      throw unsupportedParameterFor(providerType)(
        `${param}.type`,
        `content blocks of type '${truncateInput(String(block.type))}' have no equivalent ` +
          "outside Anthropic.",
      );
  }
}

function decodeImage(block: AnthropicBlock, param: string, providerType: string): ContentPart {
  const source = readSource(block, param);
  if (source.type === "url") {
    return { type: "image_url", image_url: { url: readString(source, "url", `${param}.source`) } };
  }
  if (source.type !== "base64") {
    throw unsupportedParameterFor(providerType)(
      `${param}.source.type`,
      `image sources of type '${truncateInput(String(source.type))}' exist only at Anthropic.`,
    );
  }

  const mediaType = readString(source, "media_type", `${param}.source`);
  if (!IMAGE_MEDIA_TYPES.has(mediaType)) {
    throw invalidRequest(
      `${param}.source.media_type '${truncateInput(mediaType)}' is not valid; use image/jpeg, ` +
        "image/png, image/gif or image/webp.",
      `${param}.source.media_type`,
    );
  }
  const data = readString(source, "data", `${param}.source`);
  return { type: "image_url", image_url: { url: `data:${mediaType};base64,${data}` } };
}

/**
 * Translates a document. A base64 PDF becomes an OpenAI `file` part with a data URL, the
 * canonical form of an inline file. A plain-text or content-block document becomes text, with
 * its title on the first line, since every provider reads text. A PDF given by URL has no
 * canonical form.
 */
function decodeDocument(block: AnthropicBlock, param: string, providerType: string): ContentPart {
  const source = readSource(block, param);
  const title = typeof block.title === "string" && block.title !== "" ? block.title : null;

  if (source.type === "base64" && source.media_type === "application/pdf") {
    const data = readString(source, "data", `${param}.source`);
    const file: Record<string, string> = { file_data: `data:application/pdf;base64,${data}` };
    if (title !== null) file.filename = title;
    return { type: "file", file };
  }
  if (source.type === "text") {
    const text = readString(source, "data", `${param}.source`);
    return { type: "text", text: title === null ? text : `${title}\n\n${text}` };
  }
  if (source.type === "content") {
    const text = contentSourceText(source.content, `${param}.source.content`);
    return { type: "text", text: title === null ? text : `${title}\n\n${text}` };
  }
  throw unsupportedParameterFor(providerType)(
    `${param}.source`,
    "documents must be base64 PDFs, plain text or text blocks outside Anthropic.",
  );
}

function contentSourceText(content: unknown, param: string): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) {
    throw invalidRequest(`${param} must be a string or an array of text blocks.`, param);
  }
  return content.map((item: unknown, index) => {
    const part = item as Partial<TextPart> | null;
    if (part?.type !== "text" || typeof part.text !== "string") {
      throw invalidRequest(`${param}.${index} must be a text block.`, `${param}.${index}`);
    }
    return part.text;
  }).join("\n\n");
}

function readSource(block: AnthropicBlock, param: string): Record<string, unknown> {
  const source = block.source;
  if (typeof source !== "object" || source === null || Array.isArray(source)) {
    throw invalidRequest(`${param}.source must be an object.`, `${param}.source`);
  }
  return source as Record<string, unknown>;
}

/** Reads a required string field, for errors that name the field. */
export function readString(object: Record<string, unknown>, field: string, param: string): string {
  const value = object[field];
  if (typeof value !== "string") {
    throw invalidRequest(`${param}.${field} must be a string.`, `${param}.${field}`);
  }
  return value;
}
