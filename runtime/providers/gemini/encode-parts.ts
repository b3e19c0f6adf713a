/** Translates OpenAI message content (a string or content parts) into Gemini parts. */

import type { ChatMessage } from "../../canonical/chat.ts";
import { invalidRequest, unsupportedParameter } from "./request-errors.ts";
import type { GeminiPart } from "./wire.ts";

const MIME_BY_EXTENSION: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
  heic: "image/heic",
  heif: "image/heif",
  pdf: "application/pdf",
};

export function encodeContent(content: ChatMessage["content"], param: string): GeminiPart[] {
  if (content === undefined || content === null) return [];
  if (typeof content === "string") return content === "" ? [] : [{ text: content }];
  if (!Array.isArray(content)) {
    throw invalidRequest(`${param} must be a string or an array of parts.`, param);
  }

  return content.flatMap((part, index): GeminiPart[] => {
    const partParam = `${param}[${index}]`;
    if (part.type === "text" && typeof part.text === "string") {
      return part.text === "" ? [] : [{ text: part.text }];
    }
    if (part.type === "image_url") return [encodeImage(part.image_url, partParam)];
    throw unsupportedParameter(`${partParam}.type`, `content parts of type '${part.type}'.`);
  });
}

/** Text of system content, for parts that may only hold text. */
export function encodeTextOnly(content: ChatMessage["content"], param: string): GeminiPart[] {
  const parts = encodeContent(content, param);
  if (parts.some((part) => part.text === undefined)) {
    throw invalidRequest(`${param} may only hold text in a system message.`, param);
  }
  return parts;
}

/**
 * Encodes a data URL inline and an http(s) URL as `fileData`. Gemini needs the MIME type of a
 * link, so it is guessed from the extension, with JPEG as the likeliest type of an image.
 */
function encodeImage(image: unknown, param: string): GeminiPart {
  const url = (image as { url?: unknown } | null)?.url;
  if (typeof url !== "string" || url === "") {
    throw invalidRequest(`${param}.image_url.url is missing.`, `${param}.image_url.url`);
  }

  const inline = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (inline !== null) return { inlineData: { mimeType: inline[1]!, data: inline[2]! } };
  if (/^https?:\/\//i.test(url)) return { fileData: { mimeType: guessMime(url), fileUri: url } };
  throw invalidRequest(
    `${param}.image_url.url must be a base64 data URL or an http(s) URL.`,
    `${param}.image_url.url`,
  );
}

function guessMime(url: string): string {
  const path = url.split(/[?#]/)[0] ?? "";
  const extension = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase() ?? "";
  return MIME_BY_EXTENSION[extension] ?? "image/jpeg";
}
