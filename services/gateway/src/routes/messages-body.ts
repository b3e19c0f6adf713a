import { Type } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { ValueErrorType } from "@sinclair/typebox/errors";
import { NexusError } from "../../../../runtime/errors/nexus-error.ts";

/**
 * The fields of an Anthropic Messages request that the gateway itself needs. Every other field
 * (system, tools, thinking, and fields Anthropic adds later) is left to the provider, which
 * validates the request in full, so the body is never narrowed to the fields checked here.
 */
const MessagesRequestSchema = Type.Object({
  model: Type.String({ minLength: 1 }),
  messages: Type.Array(Type.Unknown(), { minItems: 1 }),
  max_tokens: Type.Integer({ minimum: 1 }),
  stream: Type.Optional(Type.Boolean()),
});

const compiled = TypeCompiler.Compile(MessagesRequestSchema);

/** A Messages request body as the client sent it, with the fields the gateway reads checked. */
export interface MessagesBody {
  model: string;
  messages: unknown[];
  max_tokens: number;
  stream?: boolean;
  [field: string]: unknown;
}

/** Checks the parsed body and throws a 400 `invalid_request` naming the first invalid field. */
export function validateMessagesBody(value: unknown): MessagesBody {
  if (compiled.Check(value)) return value as MessagesBody;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new NexusError("invalid_request", "The request body must be a JSON object.", {
      status: 400,
      type: "invalid_request_error",
    });
  }

  const first = compiled.Errors(value).First();
  const param = (first?.path ?? "").replace(/^\//, "").replaceAll("/", ".");
  const message = first?.type === ValueErrorType.ObjectRequiredProperty
    ? `The field '${param}' is required.`
    : `Invalid value for '${param}': ${first?.message ?? "does not match the schema"}.`;
  throw new NexusError("invalid_request", message, {
    status: 400,
    type: "invalid_request_error",
    param: param || null,
  });
}
