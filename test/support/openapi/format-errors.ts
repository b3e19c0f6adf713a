/** Turns Ajv's errors into lines a test failure can show: `$.messages[0].role: <message>`. */

import type { ErrorObject } from "ajv";

/** More lines than this add noise, since later ones usually follow from the first. */
const MAX_LINES = 12;

export function formatErrors(errors: ErrorObject[]): string[] {
  const lines: string[] = [];
  for (const error of errors) {
    // "must match \"then\" schema" only repeats the branch errors listed before it.
    if (error.keyword === "if") continue;
    const line = `${jsonPath(error.instancePath)}: ${describe(error)}`;
    if (!lines.includes(line)) lines.push(line);
  }
  if (lines.length <= MAX_LINES) return lines;
  return [...lines.slice(0, MAX_LINES), `… ${lines.length - MAX_LINES} more`];
}

/** Converts a JSON Pointer (`/messages/0/role`) to a JSONPath (`$.messages[0].role`). */
export function jsonPath(pointer: string): string {
  let path = "$";
  for (const raw of pointer.split("/").slice(1)) {
    const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) path += `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties":
      return `unexpected property "${String(params.additionalProperty)}"`;
    case "required":
      return `missing required property "${String(params.missingProperty)}"`;
    case "enum":
      return `${error.message ?? "invalid"}: ${JSON.stringify(params.allowedValues)}`;
    case "const":
      return `must equal ${JSON.stringify(params.allowedValue)}`;
    default:
      return `${error.message ?? error.keyword} (${error.schemaPath})`;
  }
}
