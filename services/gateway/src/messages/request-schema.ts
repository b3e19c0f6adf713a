import { MAX_OUTPUT_TOKENS } from "../../../../runtime/canonical/limits.ts";
import { type TSchema, Type } from "@sinclair/typebox";
import { createValidator } from "../../../../runtime/canonical/validate.ts";

/**
 * The Anthropic Messages request (`CreateMessageParams`, API version 2023-06-01) as far as the
 * gateway translates it for providers of other formats. Top-level fields outside this list are
 * rejected, as Anthropic rejects them. Content blocks are checked only for their `type` here;
 * the decoder checks each block's fields, so that an error can name the exact block.
 */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const Block = Type.Object({ type: Type.String({ minLength: 1 }) });

const Message = Type.Object(
  {
    role: Type.Union([Type.Literal("user"), Type.Literal("assistant")]),
    content: Type.Union([Type.String(), Type.Array(Block)]),
  },
  { additionalProperties: false },
);

const SystemBlock = Type.Object({ type: Type.Literal("text"), text: Type.String() });

const Tool = Type.Object({
  name: Type.Optional(Type.String()),
  type: Type.Optional(Nullable(Type.String())),
});

const ToolChoice = Type.Union([
  Type.Object({
    type: Type.Union([Type.Literal("auto"), Type.Literal("any")]),
    disable_parallel_tool_use: Type.Optional(Type.Boolean()),
  }, { additionalProperties: false }),
  Type.Object({
    type: Type.Literal("tool"),
    name: Type.String({ minLength: 1 }),
    disable_parallel_tool_use: Type.Optional(Type.Boolean()),
  }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal("none") }, { additionalProperties: false }),
]);

/** Anthropic's smallest accepted `budget_tokens`. */
export const MIN_THINKING_BUDGET = 1024;

/** One object rather than a union of both variants, so that errors name the invalid field. */
const Thinking = Type.Object({
  type: Type.Union([Type.Literal("enabled"), Type.Literal("disabled")]),
  budget_tokens: Type.Optional(Type.Integer({ minimum: MIN_THINKING_BUDGET })),
}, { additionalProperties: false });

const AnthropicRequestSchema = Type.Object(
  {
    model: Type.String({ minLength: 1 }),
    messages: Type.Array(Message, { minItems: 1 }),
    max_tokens: Type.Integer({ minimum: 1, maximum: MAX_OUTPUT_TOKENS }),
    metadata: Type.Optional(Type.Object({ user_id: Type.Optional(Nullable(Type.String())) })),
    service_tier: Type.Optional(Type.Union([
      Type.Literal("auto"),
      Type.Literal("standard_only"),
    ])),
    stop_sequences: Type.Optional(Type.Array(Type.String())),
    stream: Type.Optional(Type.Boolean()),
    system: Type.Optional(Type.Union([Type.String(), Type.Array(SystemBlock)])),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    thinking: Type.Optional(Thinking),
    tool_choice: Type.Optional(ToolChoice),
    tools: Type.Optional(Type.Array(Tool)),
    top_k: Type.Optional(Type.Integer({ minimum: 0 })),
    top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
);

/** An Anthropic content block as the client sent it; the decoder reads its fields. */
export interface AnthropicBlock {
  type: string;
  [field: string]: unknown;
}

export interface AnthropicInputMessage {
  role: "user" | "assistant";
  content: string | AnthropicBlock[];
}

export interface AnthropicTool {
  name?: string;
  type?: string | null;
  description?: unknown;
  input_schema?: unknown;
  strict?: unknown;
  [field: string]: unknown;
}

export type AnthropicToolChoice =
  | { type: "auto" | "any"; disable_parallel_tool_use?: boolean }
  | { type: "tool"; name: string; disable_parallel_tool_use?: boolean }
  | { type: "none" };

/** A Messages request body whose top-level fields passed the schema. */
export interface AnthropicRequest {
  model: string;
  messages: AnthropicInputMessage[];
  max_tokens: number;
  metadata?: { user_id?: string | null };
  service_tier?: "auto" | "standard_only";
  stop_sequences?: string[];
  stream?: boolean;
  system?: string | { type: "text"; text: string; [field: string]: unknown }[];
  temperature?: number;
  thinking?: { type: "enabled" | "disabled"; budget_tokens?: number };
  tool_choice?: AnthropicToolChoice;
  tools?: AnthropicTool[];
  top_k?: number;
  top_p?: number;
}

/** Checks a Messages body for translation; throws a 400 naming the first invalid field. */
export const validateAnthropicRequest = createValidator<AnthropicRequest>(
  AnthropicRequestSchema,
);
