import { type Static, Type } from "@sinclair/typebox";

/** One provider and model that can serve a configured model. */
export const RouteTargetSchema = Type.Object(
  {
    /** Name of an entry under `providers`. */
    provider: Type.String({ minLength: 1 }),
    upstreamModel: Type.String({ minLength: 1 }),
    /** Relative share of traffic under `loadbalance`; 1 when absent. */
    weight: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
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
     */
    strategy: Type.Union([
      Type.Literal("single"),
      Type.Literal("fallback"),
      Type.Literal("loadbalance"),
    ]),
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
export type RetryTrigger = Static<typeof RetryTriggerSchema>;
export type RoutingConfig = Static<typeof RoutingSchema>;

/** Failures that trigger a retry or fallback when the config names none. */
export const DEFAULT_RETRY_ON: readonly RetryTrigger[] = [
  429, 500, 502, 503, 504, 529, "timeout", "unreachable",
];
