import { type Static, Type } from "@sinclair/typebox";

/**
 * Settings of a `webhook` stage, which sends each checked body's metadata (and, when asked,
 * its texts) to a service the company runs, such as its own DLP or approval system.
 */
export const WebhookStageSchema = Type.Object(
  {
    stage: Type.Literal("webhook"),
    /** The receiver's address, http or https; only config sets it, never request data. */
    url: Type.String({ pattern: "^https?://" }),
    /** Name of the environment variable that contains the HMAC-SHA256 signing key. */
    secretEnv: Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }),
    /** `sync` waits for the receiver's verdict; `async` allows at once and delivers later. */
    mode: Type.Union([Type.Literal("sync"), Type.Literal("async")]),
    /** Maximum wait for one delivery, response body included, in ms (default 5000). */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 60_000 })),
    /** Retries after a failed async delivery (default 3); sync calls are never retried. */
    retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    /** First retry delay of async deliveries, in ms, doubled each retry (default 500). */
    backoffMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 60_000 })),
    /** Async deliveries held in memory at once (default 1000); more go to the dead letter. */
    maxQueue: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    /** `texts` sends the body's texts; `metadata` (default) sends only facts about them. */
    include: Type.Optional(Type.Union([Type.Literal("texts"), Type.Literal("metadata")])),
    failMode: Type.Optional(Type.Union([Type.Literal("open"), Type.Literal("closed")])),
  },
  { additionalProperties: false },
);

export type WebhookStageConfig = Static<typeof WebhookStageSchema>;

export const WEBHOOK_DEFAULTS = {
  timeoutMs: 5000,
  retries: 3,
  backoffMs: 500,
  maxQueue: 1000,
  include: "metadata",
} as const;
