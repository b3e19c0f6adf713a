import { type Static, Type } from "@sinclair/typebox";

/** The dimension a quota rule counts spend by. `key` is the virtual key's id, never its secret. */
export const QuotaAxisSchema = Type.Union([
  Type.Literal("org"),
  Type.Literal("key"),
  Type.Literal("provider"),
  Type.Literal("model"),
]);

/** Sliding window lengths; `month` is 30 days. */
export const QuotaWindowSchema = Type.Union([
  Type.Literal("minute"),
  Type.Literal("hour"),
  Type.Literal("day"),
  Type.Literal("month"),
]);

export const QuotaRuleSchema = Type.Object(
  {
    axis: QuotaAxisSchema,
    /**
     * The axis value the rule applies to (an org, key id, provider id or configured model
     * name), or `*` for every value, each with its own budget.
     */
    match: Type.String({ minLength: 1 }),
    window: QuotaWindowSchema,
    /** Budget within the window: tokens (input plus output), USD, or both. */
    limit: Type.Object(
      {
        tokens: Type.Optional(Type.Integer({ minimum: 1 })),
        usd: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
      },
      { additionalProperties: false, minProperties: 1 },
    ),
    /** `hard` rejects a request with 429; `soft` records an alert once per window. */
    mode: Type.Union([Type.Literal("hard"), Type.Literal("soft")]),
  },
  { additionalProperties: false },
);

export const QuotaConfigSchema = Type.Object(
  {
    /**
     * Output tokens assumed for a request that sets no maximum (`max_tokens`,
     * `max_completion_tokens` or `max_output_tokens`) when reserving its estimate.
     */
    defaultOutputTokens: Type.Optional(Type.Integer({ minimum: 0 })),
    rules: Type.Array(QuotaRuleSchema),
  },
  { additionalProperties: false },
);

export type QuotaAxis = Static<typeof QuotaAxisSchema>;
export type QuotaWindow = Static<typeof QuotaWindowSchema>;
export type QuotaRule = Static<typeof QuotaRuleSchema>;
export type QuotaConfig = Static<typeof QuotaConfigSchema>;
