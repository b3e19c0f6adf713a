import { describe, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { ChatRequestSchema, EmbeddingRequestSchema } from
  "../../runtime/canonical/request-schema.ts";
import { describeUnion } from "../../runtime/canonical/describe-union.ts";
import { createValidator } from "../../runtime/canonical/validate.ts";

/** Returns the message of the error a validator raises for `value`. */
function messageFor(validate: (value: unknown) => unknown, value: unknown): string {
  try {
    validate(value);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("the value was accepted");
}

const messages = [{ role: "user", content: "hi" }];

describe("union validation messages", () => {
  test("stream as a string names boolean", () => {
    const message = messageFor(createValidator(ChatRequestSchema),
      { model: "m", messages, stream: "yes" });
    expect(message).toBe("Invalid value for 'stream': expected a boolean or null.");
  });

  test("empty embeddings input names non-empty array", () => {
    const message = messageFor(createValidator(EmbeddingRequestSchema), { model: "m", input: [] });
    expect(message).toContain("expected a string or a non-empty array");
    expect(message).not.toContain("Expected union value");
  });

  test("literal members are listed", () => {
    const schema = Type.Union([Type.Literal("auto"), Type.Literal("none"), Type.Integer()]);
    expect(describeUnion(schema)).toBe('"auto", "none" or an integer');
  });

  test("nested unions are flattened without repeats", () => {
    const schema = Type.Union([Type.String(), Type.Union([Type.String(), Type.Null()])]);
    expect(describeUnion(schema)).toBe("a string or null");
  });

  test("undescribable member keeps TypeBox message", () => {
    // A member without a JSON type (here one that matches nothing) cannot be named.
    const union = Type.Union([Type.String(), Type.Never()]);
    expect(describeUnion(union)).toBeUndefined();
    const message = messageFor(createValidator(Type.Object({ value: union })), { value: 5 });
    expect(message).toBe("Invalid value for 'value': Expected union value.");
  });
});
