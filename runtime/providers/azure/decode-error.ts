import { NexusError } from "../../errors/nexus-error.ts";
import { decodeError as decodeOpenAIError } from "../openai/decode-error.ts";
import { isRecord } from "../openai/is-record.ts";

/**
 * Maps a non-2xx Azure OpenAI response to the client's NexusError. Azure uses OpenAI's
 * `{error: {code, message, param}}` body and its `retry-after` and `retry-after-ms` headers,
 * so the OpenAI mapping applies. A prompt that the content filter blocked comes back as a 400
 * with `code: "content_filter"`; its message is kept and the filtered categories from
 * `innererror.content_filter_result` are appended, so the client sees what to change.
 */
export function decodeError(status: number, headers: Headers, bodyText: string): NexusError {
  const error = decodeOpenAIError(status, headers, bodyText);
  const categories = filteredCategories(bodyText);
  if (categories.length === 0) return error;

  const message = `${error.message} (filtered categories: ${categories.join(", ")})`;
  return new NexusError(error.code, message, {
    status: error.status,
    type: error.type,
    param: error.param,
    retryAfter: error.retryAfter,
  });
}

/** Returns the categories marked `filtered: true` in a `content_filter` error body. */
function filteredCategories(bodyText: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return [];
  }

  if (!isRecord(parsed) || !isRecord(parsed.error)) return [];
  const { code, innererror } = parsed.error;
  if (code !== "content_filter" || !isRecord(innererror)) return [];

  const results = innererror.content_filter_result;
  if (!isRecord(results)) return [];
  return Object.entries(results)
    .filter(([, result]) => isRecord(result) && result.filtered === true)
    .map(([category]) => category);
}
