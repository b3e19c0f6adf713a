import { MAX_OUTPUT_TOKENS } from "./limits.ts";
import { type TSchema, Type } from "@sinclair/typebox";

/**
 * Inbound request schemas. Known fields are type-checked; every other top-level field of the
 * OpenAI Chat Completions API is accepted as-is and left to the codec, and a field OpenAI does
 * not define is rejected, as OpenAI itself rejects it. Messages keep extra fields because the
 * message shape grows with each model family.
 */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const ContentPart = Type.Object({ type: Type.String({ minLength: 1 }) });

const Message = Type.Object({
  role: Type.Union(
    ["system", "developer", "user", "assistant", "tool", "function"].map((r) => Type.Literal(r)),
  ),
  content: Type.Optional(Nullable(Type.Union([Type.String(), Type.Array(ContentPart)]))),
  name: Type.Optional(Type.String()),
  tool_call_id: Type.Optional(Type.String()),
  tool_calls: Type.Optional(
    Type.Array(
      Type.Object({
        id: Type.String(),
        type: Type.Optional(Type.Literal("function")),
        function: Type.Object({ name: Type.String(), arguments: Type.String() }),
      }),
    ),
  ),
});

const Tool = Type.Object({
  type: Type.String(),
  function: Type.Optional(
    Type.Object({
      name: Type.String({ minLength: 1 }),
      description: Type.Optional(Type.String()),
      parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      strict: Type.Optional(Nullable(Type.Boolean())),
    }),
  ),
});

const Stop = Nullable(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 4 })]));

/** The fields of OpenAI's CreateChatCompletionRequest that Nexus type-checks itself. */
const checkedChatFields = {
  model: Type.String({ minLength: 1 }),
  messages: Type.Array(Message, { minItems: 1 }),
  stream: Type.Optional(Nullable(Type.Boolean())),
  stream_options: Type.Optional(
    Nullable(Type.Object({ include_usage: Type.Optional(Type.Boolean()) })),
  ),
  max_tokens: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: MAX_OUTPUT_TOKENS }))),
  max_completion_tokens: Type.Optional(
    Nullable(Type.Integer({ minimum: 1, maximum: MAX_OUTPUT_TOKENS })),
  ),
  temperature: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 2 }))),
  top_p: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1 }))),
  n: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 128 }))),
  stop: Type.Optional(Stop),
  tools: Type.Optional(Type.Array(Tool)),
  tool_choice: Type.Optional(
    Type.Union([Type.String(), Type.Object({ type: Type.String() })]),
  ),
  parallel_tool_calls: Type.Optional(Type.Boolean()),
  response_format: Type.Optional(Type.Object({ type: Type.String() })),
  seed: Type.Optional(Nullable(Type.Integer())),
  user: Type.Optional(Type.String()),
  metadata: Type.Optional(Nullable(Type.Record(Type.String(), Type.String()))),
};

/**
 * The other fields of OpenAI's CreateChatCompletionRequest, passed to the codec unchecked.
 * `thinking` is not OpenAI's: it is the Anthropic extended-thinking setting, accepted so that
 * clients can ask an Anthropic upstream for it directly.
 */
export const PASS_THROUGH_CHAT_FIELDS = [
  "audio", "frequency_penalty", "function_call", "functions", "logit_bias", "logprobs",
  "modalities", "moderation", "prediction", "presence_penalty", "prompt_cache_key",
  "prompt_cache_options", "prompt_cache_retention", "reasoning_effort", "safety_identifier",
  "service_tier", "store", "top_logprobs", "verbosity", "web_search_options", "thinking",
] as const;

export const ChatRequestSchema = Type.Object(
  {
    ...checkedChatFields,
    ...Object.fromEntries(PASS_THROUGH_CHAT_FIELDS.map((f) => [f, Type.Optional(Type.Unknown())])),
  },
  { additionalProperties: false },
);

export const EmbeddingRequestSchema = Type.Object(
  {
    model: Type.String({ minLength: 1 }),
    input: Type.Union([
      Type.String(),
      Type.Array(Type.String(), { minItems: 1, maxItems: 2048 }),
      Type.Array(Type.Integer(), { minItems: 1 }),
      Type.Array(Type.Array(Type.Integer()), { minItems: 1 }),
    ]),
    encoding_format: Type.Optional(Type.Union([Type.Literal("float"), Type.Literal("base64")])),
    dimensions: Type.Optional(Type.Integer({ minimum: 1 })),
    user: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
