/**
 * Finds where an operation's schemas sit in an OpenAPI document, as JSON Pointers, so that the
 * validator can compile a `$ref` to them and the document's own `$ref`s keep resolving.
 */

import type { OpenApiDocument } from "./load-spec.ts";
import type { SpecName } from "./spec-files.ts";

/** An operation by spec, method and path as the spec writes it: `POST /chat/completions`. */
export interface Operation {
  spec: SpecName;
  method: "GET" | "POST";
  path: string;
}

/**
 * What a schema describes: the JSON request body, the JSON 200 body, one SSE event's `data`
 * payload, or an error body.
 */
export type MessageKind = "request" | "response" | "stream-event" | "error";

/** Error bodies for operations that list no 4XX response. */
const ERROR_SCHEMAS: Partial<Record<SpecName, string>> = {
  // OpenAI's operations list only 429 (`TooManyRequests`), whose body is `ErrorResponse`. The
  // recorded 400 bodies use the same envelope, so it is taken for every error status.
  openai: "/components/schemas/ErrorResponse",
  anthropic: "/components/schemas/ErrorResponse",
};

/**
 * SSE payload schemas that the operation's `text/event-stream` entry does not give directly.
 * Anthropic lists no `text/event-stream` response for `POST /v1/messages` at all, though the
 * document defines the events as `MessageStreamEvent`. Mistral models the SSE event as an
 * object `{data: CompletionChunk}` (`CompletionEvent`), while the `data:` line carries the
 * `CompletionChunk` itself.
 */
const STREAM_EVENT_SCHEMAS: Record<string, string> = {
  "anthropic POST /v1/messages": "/components/schemas/MessageStreamEvent",
  "mistral POST /v1/chat/completions": "/components/schemas/CompletionChunk",
};

/** Names an operation as `openai POST /chat/completions`. */
export function operationName(operation: Operation): string {
  return `${operation.spec} ${operation.method} ${operation.path}`;
}

/** Returns the JSON Pointer of the schema, or throws when the spec has none for it. */
export function schemaPointer(
  document: OpenApiDocument,
  operation: Operation,
  kind: MessageKind,
): string {
  const name = operationName(operation);
  const method = operation.method.toLowerCase();
  const entry = document.paths[operation.path]?.[method] as OperationObject | undefined;
  if (entry === undefined) throw new Error(`${name}: no such operation in the spec`);

  const base = `/paths/${escapePointer(operation.path)}/${method}`;
  const pointer = findPointer(document, entry, base, operation, kind);
  if (pointer === undefined) throw new Error(`${name}: the spec has no ${kind} schema`);
  return pointer;
}

interface OperationObject {
  requestBody?: { $ref?: string; content?: Record<string, unknown> };
  responses?: Record<string, { $ref?: string; content?: Record<string, unknown> }>;
}

function findPointer(
  document: OpenApiDocument,
  entry: OperationObject,
  base: string,
  operation: Operation,
  kind: MessageKind,
): string | undefined {
  const responses = entry.responses ?? {};
  switch (kind) {
    case "request":
      return contentSchema(document, entry.requestBody, `${base}/requestBody`, "application/json");
    case "response":
      return contentSchema(document, responses["200"], `${base}/responses/200`,
        "application/json");
    case "stream-event": {
      const listed = STREAM_EVENT_SCHEMAS[operationName(operation)];
      return listed ?? contentSchema(document, responses["200"], `${base}/responses/200`,
        "text/event-stream");
    }
    case "error": {
      const listed = contentSchema(document, responses["4XX"], `${base}/responses/4XX`,
        "application/json");
      return listed ?? ERROR_SCHEMAS[operation.spec];
    }
  }
}

/**
 * Returns the pointer to `content[mediaType].schema` of a request body or response, following
 * one `$ref` to `components`.
 */
function contentSchema(
  document: OpenApiDocument,
  holder: { $ref?: string; content?: Record<string, unknown> } | undefined,
  pointer: string,
  mediaType: string,
): string | undefined {
  if (holder === undefined) return undefined;
  if (holder.$ref !== undefined) {
    const target = holder.$ref.replace(/^#/, "");
    return contentSchema(document, resolvePointer(document, target), target, mediaType);
  }
  if (holder.content?.[mediaType] === undefined) return undefined;
  return `${pointer}/content/${escapePointer(mediaType)}/schema`;
}

function resolvePointer<T>(document: OpenApiDocument, pointer: string): T {
  let value: unknown = document;
  for (const part of pointer.split("/").slice(1)) {
    value = (value as Record<string, unknown>)[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return value as T;
}

/** Escapes one JSON Pointer segment (RFC 6901, section 3). */
function escapePointer(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}
