import { type Static, Type } from "@sinclair/typebox";

/** A target's prices in USD per million tokens. */
export const TargetPriceSchema = Type.Object(
  {
    inputPerMTok: Type.Number({ minimum: 0 }),
    outputPerMTok: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);

/** A target by its index in `targets` or by its provider name (every target of it). */
export const TargetRefSchema = Type.Union([
  Type.Integer({ minimum: 0 }),
  Type.String({ minLength: 1 }),
]);

/** A string condition: equal to one value, or to any of a list. */
const StringMatch = {
  equals: Type.Optional(Type.String()),
  in: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
};

/** Facts of a request that a `conditional` rule tests; every condition given must hold. */
export const ConditionSchema = Type.Object(
  {
    header: Type.Optional(Type.Object(
      { name: Type.String({ minLength: 1 }), ...StringMatch },
      { additionalProperties: false },
    )),
    /** An entry of the request body's `metadata` object. */
    metadata: Type.Optional(Type.Object(
      { key: Type.String({ minLength: 1 }), equals: Type.String() },
      { additionalProperties: false },
    )),
    /** The model name the client sent (an alias stays an alias). */
    model: Type.Optional(Type.Object(StringMatch, { additionalProperties: false })),
    /** A value in the request body at a dotted path, e.g. `temperature` or `metadata.tier`. */
    field: Type.Optional(Type.Object(
      {
        path: Type.String({ minLength: 1 }),
        equals: Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]),
      },
      { additionalProperties: false },
    )),
  },
  { additionalProperties: false },
);

/** One provider and model that can serve a configured model. */
export const RouteTargetSchema = Type.Object(
  {
    /** Name of an entry under `providers`. */
    provider: Type.String({ minLength: 1 }),
    upstreamModel: Type.String({ minLength: 1 }),
    /** Relative share of traffic under `loadbalance` and `absplit`; 1 when absent. */
    weight: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /** Where the target processes data (e.g. `eu`), matched by `policy` rules. */
    region: Type.Optional(Type.String({ minLength: 1 })),
    /** Prices in USD per million tokens, compared by `smart`. */
    price: Type.Optional(TargetPriceSchema),
  },
  { additionalProperties: false },
);

/** A status code of the provider's response, or a failure with no response. */
export const RetryTriggerSchema = Type.Union([
  Type.Integer({ minimum: 400, maximum: 599 }),
  Type.Literal("timeout"),
  Type.Literal("unreachable"),
]);

export const RoutingSchema = Type.Object(
  {
    /**
     * `single` uses the first target only; `fallback` tries the targets in order;
     * `loadbalance` draws targets at random by weight, the rest serving as fallbacks.
     * `conditional`, `absplit`, `policy` and `smart` choose as their own settings below say.
     */
    strategy: Type.Union([
      Type.Literal("single"),
      Type.Literal("fallback"),
      Type.Literal("loadbalance"),
      Type.Literal("conditional"),
      Type.Literal("absplit"),
      Type.Literal("policy"),
      Type.Literal("smart"),
    ]),
    /**
     * For `conditional`: the first rule whose conditions all hold names the targets, tried in
     * the order given. `default` applies when none holds; every target when absent.
     */
    conditional: Type.Optional(Type.Object(
      {
        rules: Type.Array(
          Type.Object(
            { when: ConditionSchema, targets: Type.Array(TargetRefSchema, { minItems: 1 }) },
            { additionalProperties: false },
          ),
          { minItems: 1 },
        ),
        default: Type.Optional(Type.Array(TargetRefSchema, { minItems: 1 })),
      },
      { additionalProperties: false },
    )),
    /**
     * For `absplit`: the key that pins a client to one target, by hash into buckets sized by
     * the targets' weights. `user` is the body's `user` field; `virtualKey` the key's id.
     */
    absplit: Type.Optional(Type.Object(
      {
        key: Type.Union([
          Type.Object({ header: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
          Type.Literal("user"),
          Type.Literal("virtualKey"),
        ]),
      },
      { additionalProperties: false },
    )),
    /**
     * For `policy`: the first rule whose label the compliance pipeline assigned limits the
     * targets to the given regions and references. No target left means the request is
     * rejected. Requests with no matching rule use `default`, or every target.
     */
    policy: Type.Optional(Type.Object(
      {
        rules: Type.Array(
          Type.Object(
            {
              label: Type.String({ minLength: 1 }),
              regions: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
              targets: Type.Optional(Type.Array(TargetRefSchema, { minItems: 1 })),
            },
            { additionalProperties: false },
          ),
          { minItems: 1 },
        ),
        default: Type.Optional(Type.Array(TargetRefSchema, { minItems: 1 })),
      },
      { additionalProperties: false },
    )),
    /**
     * For `smart`: how much observed latency, error rate and price count in a target's score.
     * Each is scaled to 0..1 across the targets; the lowest weighted sum goes first.
     */
    smart: Type.Optional(Type.Object(
      {
        latencyWeight: Type.Optional(Type.Number({ minimum: 0 })),
        errorWeight: Type.Optional(Type.Number({ minimum: 0 })),
        priceWeight: Type.Optional(Type.Number({ minimum: 0 })),
        /** Weight of the newest observation in the moving averages, in (0, 1]. */
        alpha: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
      },
      { additionalProperties: false },
    )),
    /** Attempts per target (1 means no retry) and the exponential backoff between them. */
    retries: Type.Optional(
      Type.Object(
        {
          attempts: Type.Integer({ minimum: 1, maximum: 10 }),
          baseMs: Type.Integer({ minimum: 0 }),
          maxMs: Type.Integer({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
    ),
    /** Failures that lead to a retry or to the next target; others go to the client. */
    retryOn: Type.Optional(Type.Array(RetryTriggerSchema, { minItems: 1 })),
    /** Budget for the whole request across targets, until the response or first chunk, in ms. */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Maximum wait per attempt for a stream's first chunk, in ms. */
    firstTokenTimeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Skips a target after consecutive failures; off when absent. */
    circuitBreaker: Type.Optional(
      Type.Object(
        {
          /** Consecutive failures that open the breaker. */
          failureThreshold: Type.Integer({ minimum: 1 }),
          /** Time an open breaker waits before it lets one trial request through, in ms. */
          cooldownMs: Type.Integer({ minimum: 1 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type RouteTargetConfig = Static<typeof RouteTargetSchema>;
export type TargetRef = Static<typeof TargetRefSchema>;
export type Condition = Static<typeof ConditionSchema>;
export type TargetPrice = Static<typeof TargetPriceSchema>;
export type RetryTrigger = Static<typeof RetryTriggerSchema>;
export type RoutingConfig = Static<typeof RoutingSchema>;

/** Failures that trigger a retry or fallback when the config names none. */
export const DEFAULT_RETRY_ON: readonly RetryTrigger[] = [
  429, 500, 502, 503, 504, 529, "timeout", "unreachable",
];
