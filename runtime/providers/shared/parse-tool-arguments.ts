import { invalidRequest } from "../request-errors.ts";

/**
 * Parses the JSON arguments of an earlier assistant tool call, for providers that take them as
 * an object. Empty text is a call without arguments. Text that is not JSON, or JSON that is
 * not an object, is rejected with `objectReason`, the provider's reason for an object.
 */
export function parseToolArguments(
  text: string,
  param: string,
  objectReason: string,
): Record<string, unknown> {
  let input: unknown = {};
  if (text.trim() !== "") {
    try {
      input = JSON.parse(text);
    } catch {
      throw invalidRequest(
        `${param} is not valid JSON; send the arguments the model produced.`,
        param,
      );
    }
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw invalidRequest(`${param} must be a JSON object, because ${objectReason}.`, param);
  }
  return input as Record<string, unknown>;
}
