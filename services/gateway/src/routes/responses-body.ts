import { Type } from "@sinclair/typebox";
import { createValidator } from "../../../../runtime/canonical/validate.ts";

/**
 * The fields of a Responses request that every path of the route reads. The passthrough path
 * sends every other field on as the client wrote it, and the translating path checks the
 * fields it maps itself, so the body is never narrowed to these.
 */
const ResponsesRequestSchema = Type.Object({
  model: Type.String({ minLength: 1 }),
  input: Type.Optional(Type.Union([Type.String(), Type.Array(Type.Unknown())])),
  stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
});

/** A Responses request body as the client sent it, with the fields the gateway reads checked. */
export interface ResponsesBody {
  model: string;
  input?: string | unknown[];
  stream?: boolean | null;
  [field: string]: unknown;
}

/** Checks the parsed body and throws a 400 `invalid_request` naming the first invalid field. */
export const validateResponsesBody = createValidator<ResponsesBody>(ResponsesRequestSchema);
