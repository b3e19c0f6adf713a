import { MAX_OUTPUT_TOKENS } from "../../../../runtime/canonical/limits.ts";
import { Type } from "@sinclair/typebox";
import { createValidator } from "../../../../runtime/canonical/validate.ts";

/**
 * The fields of an Anthropic Messages request that the gateway itself needs. Every other field
 * (system, tools, thinking, and fields Anthropic adds later) is left to the provider, which
 * validates the request in full, so the body is never narrowed to the fields checked here.
 */
const MessagesRequestSchema = Type.Object({
  model: Type.String({ minLength: 1 }),
  messages: Type.Array(Type.Unknown(), { minItems: 1 }),
  max_tokens: Type.Integer({ minimum: 1, maximum: MAX_OUTPUT_TOKENS }),
  stream: Type.Optional(Type.Boolean()),
});

/** A Messages request body as the client sent it, with the fields the gateway reads checked. */
export interface MessagesBody {
  model: string;
  messages: unknown[];
  max_tokens: number;
  stream?: boolean;
  [field: string]: unknown;
}

/** Checks the parsed body and throws a 400 `invalid_request` naming the first invalid field. */
export const validateMessagesBody = createValidator<MessagesBody>(MessagesRequestSchema);
