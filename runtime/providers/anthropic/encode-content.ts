/** Translates OpenAI content parts (text, image_url, file) into Anthropic content blocks. */

import type { ContentPart } from "../../canonical/chat.ts";
import { encodeTextBlocks, encodeUserBlocks } from "../shared/content-blocks.ts";
import { invalidRequest, unsupportedParameter } from "./request-errors.ts";
import type { DocumentBlock, ImageBlock, TextBlock } from "./wire.ts";

export type UserBlock = TextBlock | ImageBlock | DocumentBlock;

/** `data:<media type>[;params];base64,<data>` (RFC 2397); only base64 payloads are accepted. */
const DATA_URL = /^data:([^;,]+)(?:;[^;,]*)*;base64,(.*)$/s;

/** Encodes user content. Empty text is dropped because Anthropic rejects empty text blocks. */
export function encodeUserContent(content: unknown, param: string): UserBlock[] {
  return encodeUserBlocks<UserBlock>(content, param, { text: textBlock, part: encodePart });
}

/** Encodes content that may only hold text (system, developer and assistant messages). */
export function encodeTextContent(content: unknown, param: string): TextBlock[] {
  return encodeTextBlocks(content, param, textBlock);
}

function textBlock(text: string): TextBlock {
  return { type: "text", text };
}

/** Encodes a part other than text, or returns undefined for an unknown type. */
function encodePart(part: ContentPart, param: string): UserBlock | undefined {
  if (part.type === "image_url") return encodeImage(part, param);
  if (part.type === "file") return encodeFile(part, param);
  if (part.type === "input_audio") {
    throw unsupportedParameter(param, "Anthropic models take no audio input.");
  }
  return undefined;
}

function encodeImage(part: ContentPart, param: string): ImageBlock {
  const image = (part as Record<string, unknown>).image_url as { url?: unknown } | undefined;
  const url = image?.url;
  if (typeof url !== "string") throw invalidRequest(`${param}.image_url.url is missing.`, param);

  if (url.startsWith("http://") || url.startsWith("https://")) {
    return { type: "image", source: { type: "url", url } };
  }
  const data = DATA_URL.exec(url);
  if (data === null) {
    throw invalidRequest(
      `${param}.image_url.url must be an http(s) URL or a base64 data URL ` +
        "(data:image/png;base64,...).",
      param,
    );
  }
  return { type: "image", source: { type: "base64", media_type: data[1]!, data: data[2]! } };
}

/** OpenAI file parts with inline `file_data`: PDF becomes a base64 document, text a text one. */
function encodeFile(part: ContentPart, param: string): DocumentBlock {
  const file = (part as Record<string, unknown>).file as
    | { file_data?: unknown; filename?: unknown }
    | undefined;
  if (typeof file?.file_data !== "string") {
    throw unsupportedParameter(
      `${param}.file`,
      "only inline file_data is supported; OpenAI file ids do not exist at Anthropic.",
    );
  }

  const data = DATA_URL.exec(file.file_data);
  const mediaType = data?.[1];
  const title = typeof file.filename === "string" ? { title: file.filename } : {};
  if (data !== null && mediaType === "application/pdf") {
    const source = { type: "base64", media_type: "application/pdf", data: data[2]! } as const;
    return { type: "document", source, ...title };
  }
  if (data !== null && mediaType === "text/plain") {
    const text = Buffer.from(data[2]!, "base64").toString("utf8");
    const source = { type: "text", media_type: "text/plain", data: text } as const;
    return { type: "document", source, ...title };
  }
  throw unsupportedParameter(
    `${param}.file.file_data`,
    "Anthropic documents must be base64 data URLs of type application/pdf or text/plain.",
  );
}
