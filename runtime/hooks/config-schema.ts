import { type Static, Type } from "@sinclair/typebox";
import { BUILTIN_KINDS } from "../pii/kinds.ts";
import { WebhookStageSchema } from "./webhook-config.ts";

const FailMode = Type.Optional(Type.Union([Type.Literal("open"), Type.Literal("closed")]));

const RequestSize = Type.Object(
  {
    stage: Type.Literal("request_size"),
    maxBytes: Type.Integer({ minimum: 1 }),
    maxTextChars: Type.Optional(Type.Integer({ minimum: 1 })),
    failMode: FailMode,
  },
  { additionalProperties: false },
);

const IpAllowlist = Type.Object(
  { stage: Type.Literal("ip_allowlist"), allow: Type.Array(Type.String()), failMode: FailMode },
  { additionalProperties: false },
);

const RateLimit = Type.Object(
  {
    stage: Type.Literal("rate_limit"),
    limits: Type.Array(
      Type.Object(
        {
          scope: Type.Union([Type.Literal("key"), Type.Literal("org"), Type.Literal("ip")]),
          requests: Type.Optional(Type.Integer({ minimum: 1 })),
          tokens: Type.Optional(Type.Integer({ minimum: 1 })),
          windowSeconds: Type.Integer({ minimum: 1 }),
        },
        { additionalProperties: false },
      ),
    ),
    failMode: FailMode,
  },
  { additionalProperties: false },
);

const KeywordFilter = Type.Object(
  {
    stage: Type.Literal("keyword_filter"),
    words: Type.Array(Type.String({ minLength: 1 })),
    action: Type.Union([Type.Literal("block"), Type.Literal("flag"), Type.Literal("redact")]),
    replacement: Type.Optional(Type.String()),
    failMode: FailMode,
  },
  { additionalProperties: false },
);

const Classification = Type.Object(
  {
    stage: Type.Literal("classification"),
    levels: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    rules: Type.Array(
      Type.Object(
        {
          label: Type.String({ minLength: 1 }),
          kinds: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
          minCount: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    blockAt: Type.Optional(Type.String()),
    failMode: FailMode,
  },
  { additionalProperties: false },
);

const ContentSafety = Type.Object(
  {
    stage: Type.Literal("content_safety"),
    action: Type.Union([Type.Literal("block"), Type.Literal("flag")]),
    threshold: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /** A configured chat model asked for a verdict as well as the heuristics. */
    moderationModel: Type.Optional(Type.String({ minLength: 1 })),
    failMode: FailMode,
  },
  { additionalProperties: false },
);

const PiiAction = Type.Union([
  Type.Literal("flag"),
  Type.Literal("block"),
  Type.Literal("mask"),
  Type.Literal("redact"),
  Type.Literal("tokenize"),
]);

const Pii = Type.Object(
  {
    stage: Type.Literal("pii"),
    /** Built-in detectors to run (all when absent): email, phone, credit_card, iban, … */
    kinds: Type.Optional(Type.Array(Type.Union(BUILTIN_KINDS.map((kind) => Type.Literal(kind))))),
    patterns: Type.Optional(Type.Array(Type.Object(
      { name: Type.String({ minLength: 1 }), pattern: Type.String({ minLength: 1 }) },
      { additionalProperties: false },
    ))),
    dictionaries: Type.Optional(Type.Array(Type.Object(
      {
        name: Type.String({ minLength: 1 }),
        words: Type.Array(Type.String({ minLength: 1 })),
        ignoreCase: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ))),
    action: PiiAction,
    actions: Type.Optional(Type.Record(Type.String({ minLength: 1 }), PiiAction)),
    failMode: FailMode,
  },
  { additionalProperties: false },
);

export const StageConfigSchema = Type.Union([
  Pii,
  RequestSize,
  IpAllowlist,
  RateLimit,
  KeywordFilter,
  Classification,
  ContentSafety,
  WebhookStageSchema,
]);

const PipelineSchema = Type.Object(
  {
    request: Type.Optional(Type.Array(StageConfigSchema)),
    response: Type.Optional(Type.Array(StageConfigSchema)),
  },
  { additionalProperties: false },
);

/** A binding of a pipeline to a key, project or org; the most specific match wins. */
const BindingSchema = Type.Object(
  {
    org: Type.Optional(Type.String({ minLength: 1 })),
    project: Type.Optional(Type.String({ minLength: 1 })),
    key: Type.Optional(Type.String({ minLength: 1 })),
    pipeline: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

export const ComplianceSchema = Type.Object(
  {
    /** CIDR ranges of proxies whose `x-forwarded-for` entries are believed. */
    trustedProxies: Type.Optional(Type.Array(Type.String())),
    pipelines: Type.Record(Type.String({ minLength: 1 }), PipelineSchema),
    /** Pipeline for requests no binding matches; none runs when absent. */
    defaultPipeline: Type.Optional(Type.String({ minLength: 1 })),
    bindings: Type.Optional(Type.Array(BindingSchema)),
  },
  { additionalProperties: false },
);

export type StageConfig = Static<typeof StageConfigSchema>;
export type PipelineConfig = Static<typeof PipelineSchema>;
export type ComplianceConfig = Static<typeof ComplianceSchema>;
