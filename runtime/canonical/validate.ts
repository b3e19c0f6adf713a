import type { TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { type ValueError, ValueErrorType } from "@sinclair/typebox/errors";
import { NexusError } from "../errors/nexus-error.ts";
import { truncateInput } from "../errors/truncate-input.ts";
import { describeUnion } from "./describe-union.ts";

/**
 * Compiles a schema once and returns a checker that throws a 400 NexusError naming the first
 * bad field, in OpenAI's style (`param` contains the field path with dots).
 */
export function createValidator<T>(schema: TSchema): (value: unknown) => T {
  const compiled = TypeCompiler.Compile(schema);
  return (value) => {
    if (compiled.Check(value)) return value as T;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new NexusError("invalid_request", "The request body must be a JSON object.", {
        status: 400,
        type: "invalid_request_error",
      });
    }

    const first = compiled.Errors(value).First();
    const param = (first?.path ?? "").replace(/^\//, "").replaceAll("/", ".");
    const unknownField = findUnknownField(schema, value as Record<string, unknown>);
    if (unknownField !== undefined) {
      throw new NexusError(
        "unknown_parameter",
        `Unrecognized request argument supplied: ${truncateInput(unknownField)}`,
        { status: 400, type: "invalid_request_error", param: unknownField },
      );
    }
    const reason = reasonFor(first);
    const message = first?.type === ValueErrorType.ObjectRequiredProperty
      ? `The field '${truncateInput(param)}' is required.`
      : `Invalid value for '${truncateInput(param) || "(body)"}': ${reason}.`;
    throw new NexusError("invalid_request", message, {
      status: 400,
      type: "invalid_request_error",
      param: param || null,
    });
  };
}

/**
 * Returns the reason of a validation error. TypeBox reports only "Expected union value" for a
 * value that matches no member of a union, so that case lists what the members accept.
 */
function reasonFor(error: ValueError | undefined): string {
  if (error === undefined) return "does not match the schema";
  if (error.type !== ValueErrorType.Union) return error.message;
  const expected = describeUnion(error.schema);
  return expected === undefined ? error.message : `expected ${expected}`;
}

/** Finds a field the schema does not define, for schemas that reject extra fields. */
function findUnknownField(schema: TSchema, value: Record<string, unknown>): string | undefined {
  const { properties: known, additionalProperties } = schema as {
    properties?: Record<string, unknown>;
    additionalProperties?: unknown;
  };
  if (known === undefined || additionalProperties !== false) return undefined;
  return Object.keys(value).find((field) => !(field in known));
}
