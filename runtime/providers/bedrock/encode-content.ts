/** Translates OpenAI content parts (text, image_url) into Bedrock content blocks. */

import type { ContentPart } from "../../canonical/chat.ts";
import { encodeTextBlocks, encodeUserBlocks } from "../shared/content-blocks.ts";
import { invalidRequest, unsupportedParameter } from "./request-errors.ts";
import type { ImageBlock, TextBlock } from "./wire.ts";

export type UserBlock = TextBlock | ImageBlock;

/** `data:<media type>[;params];base64,<data>` (RFC 2397); only base64 payloads are accepted. */
const DATA_URL = /^data:([^;,]+)(?:;[^;,]*)*;base64,(.*)$/s;

/** Image formats of Bedrock's ImageBlock, by media type. */
const IMAGE_FORMATS: Record<string, ImageBlock["image"]["format"]> = {
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/jpg": "jpeg",
  "image/gif": "gif",
  "image/webp": "webp",
};

/** Encodes user content. Empty text is dropped because Bedrock rejects blank text blocks. */
export function encodeUserContent(content: unknown, param: string): UserBlock[] {
  return encodeUserBlocks<UserBlock>(content, param, { text: textBlock, part: encodePart });
}

/** Encodes content that may only contain text (system, developer and assistant messages). */
export function encodeTextContent(content: unknown, param: string): TextBlock[] {
  return encodeTextBlocks(content, param, textBlock);
}

function textBlock(text: string): TextBlock {
  return { text };
}

/** Encodes a part other than text, or returns undefined for an unknown type. */
function encodePart(part: ContentPart, param: string): UserBlock | undefined {
  if (part.type === "image_url") return encodeImage(part, param);
  if (part.type === "input_audio") {
    throw unsupportedParameter(param, "the Converse API takes no audio input.");
  }
  if (part.type === "file") {
    // NOTE: Bedrock has document blocks, but this codec does not translate file parts yet.
    throw unsupportedParameter(`${param}.file`, "the codec does not translate file parts.");
  }
  return undefined;
}

/** Bedrock takes image bytes only, so a data URL is unpacked and an http(s) URL rejected. */
function encodeImage(part: ContentPart, param: string): ImageBlock {
  const image = (part as Record<string, unknown>).image_url as { url?: unknown } | undefined;
  const url = image?.url;
  const urlParam = `${param}.image_url.url`;
  if (typeof url !== "string") throw invalidRequest(`${urlParam} is missing.`, urlParam);

  if (/^https?:\/\//i.test(url)) {
    throw unsupportedParameter(
      urlParam,
      "Bedrock takes image bytes only; send the image as a base64 data URL " +
        "(data:image/png;base64,...).",
    );
  }
  const data = DATA_URL.exec(url);
  if (data === null) {
    throw invalidRequest(
      `${urlParam} must be a base64 data URL (data:image/png;base64,...).`,
      urlParam,
    );
  }

  const format = IMAGE_FORMATS[data[1]!.toLowerCase()];
  if (format === undefined) {
    throw unsupportedParameter(
      urlParam,
      `image type '${data[1]}' is not one of image/png, image/jpeg, image/gif, image/webp.`,
    );
  }
  return { image: { format, source: { bytes: data[2]!.replace(/\s+/g, "") } } };
}
