import { type Static, Type } from "@sinclair/typebox";
import { CaptureConfigSchema } from "../audit/capture-config.ts";
import { CacheConfigSchema } from "../cache/config-schema.ts";
import { ComplianceSchema } from "../hooks/config-schema.ts";
import { QuotaConfigSchema } from "../quota/config-schema.ts";
import { RouteTargetSchema, RoutingSchema } from "../routing/config-schema.ts";
import { KeyRoutingSchema } from "../routing/key-routing-schema.ts";
import { SiemSchema } from "../siem/config-schema.ts";
import { StorageSchema } from "../storage/config-schema.ts";

/** Prices in USD per million tokens; cached reads and cache writes have their own rates. */
export const PriceSchema = Type.Object(
  {
    inputPerMTok: Type.Number({ minimum: 0 }),
    outputPerMTok: Type.Number({ minimum: 0 }),
    cacheReadPerMTok: Type.Optional(Type.Number({ minimum: 0 })),
    cacheWritePerMTok: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);

/** The name of an environment variable; config files name credentials, never hold them. */
const EnvName = Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]*$" });

export const ProviderSchema = Type.Object(
  {
    /** `openai`, `anthropic`, or an OpenAI-compatible provider from runtime/providers/compat. */
    type: Type.Union([
      Type.Literal("openai"),
      Type.Literal("anthropic"),
      Type.Literal("cohere"),
      Type.Literal("gemini"),
      Type.Literal("azure"),
      Type.Literal("voyage"),
      Type.Literal("deepseek"),
      Type.Literal("moonshot"),
      Type.Literal("mistral"),
      Type.Literal("groq"),
      Type.Literal("fireworks"),
      Type.Literal("together"),
      Type.Literal("perplexity"),
      Type.Literal("xai"),
      Type.Literal("huggingface"),
      Type.Literal("minimax"),
      Type.Literal("glm"),
      Type.Literal("vertex"),
      Type.Literal("bedrock"),
      Type.Literal("replicate"),
    ]),
    baseUrl: Type.String({ minLength: 1 }),
    /** Name of the environment variable that contains the credential; never the credential. */
    apiKeyEnv: Type.Optional(EnvName),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    /** Cloud region, for `vertex` (e.g. `us-east5`) and `bedrock` (e.g. `us-east-1`). */
    region: Type.Optional(Type.String({ minLength: 1 })),
    /** Cloud project id, for `vertex`. */
    project: Type.Optional(Type.String({ minLength: 1 })),
    /**
     * Further credentials by role, each the name of an environment variable: `bedrock` reads
     * `accessKeyId`, `secretAccessKey` and `sessionToken`; `vertex` reads `serviceAccount`
     * (the service-account JSON, or a path to it).
     */
    credentialEnv: Type.Optional(Type.Record(Type.String({ minLength: 1 }), EnvName)),
    /** Maximum wait for the provider's response headers (or whole JSON body), in ms. */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Maximum silence between two events of a stream before it counts as stalled, in ms. */
    streamIdleTimeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

/** A model names either `provider` and `upstreamModel`, or `targets` (checked at load). */
export const ModelSchema = Type.Object(
  {
    provider: Type.Optional(Type.String({ minLength: 1 })),
    upstreamModel: Type.Optional(Type.String({ minLength: 1 })),
    /** Providers that can serve the model, in fallback order. */
    targets: Type.Optional(Type.Array(RouteTargetSchema, { minItems: 1 })),
    /** Rules for choosing among `targets`, retrying and falling back. */
    routing: Type.Optional(RoutingSchema),
    aliases: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    kind: Type.Optional(Type.Union([Type.Literal("chat"), Type.Literal("embedding")])),
    price: Type.Optional(PriceSchema),
  },
  { additionalProperties: false },
);

export const ConfigSchema = Type.Object(
  {
    server: Type.Optional(
      Type.Object(
        {
          host: Type.Optional(Type.String()),
          port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
          /** Largest request body accepted, in bytes. */
          maxBodyBytes: Type.Optional(Type.Integer({ minimum: 1024 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Folder for the embedded store; relative paths resolve from the config file's folder. */
    dataDir: Type.Optional(Type.String()),
    /** PostgreSQL, Valkey and NATS URLs for many nodes; the embedded store when absent. */
    storage: Type.Optional(StorageSchema),
    /** Environment variable holding the HMAC secret for virtual-key digests. */
    keySecretEnv: Type.Optional(Type.String()),
    simulator: Type.Optional(
      Type.Object(
        {
          enabled: Type.Boolean(),
          port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Compliance pipelines and who they apply to; no stage runs without it. */
    compliance: Type.Optional(ComplianceSchema),
    /** Sinks that receive traffic events and other audit records; none when absent. */
    siem: Type.Optional(SiemSchema),
    /** Request and response body capture into traffic events; off when absent. */
    capture: Type.Optional(CaptureConfigSchema),
    /** Exact-match cache of chat answers; off when absent. */
    cache: Type.Optional(CacheConfigSchema),
    /** Token and USD budgets per org, key, provider and model; no budgets when absent. */
    quotas: Type.Optional(QuotaConfigSchema),
    providers: Type.Record(Type.String({ minLength: 1 }), ProviderSchema),
    models: Type.Record(Type.String({ minLength: 1 }), ModelSchema),
    /**
     * Routing per virtual key: an entry replaces the routing (and optionally the targets) of
     * the models it matches, for the keys it names. The first matching entry applies.
     */
    keyRouting: Type.Optional(KeyRoutingSchema),
  },
  { additionalProperties: false },
);

export type Price = Static<typeof PriceSchema>;
export type ProviderConfig = Static<typeof ProviderSchema>;
/** A model entry as written in the config. */
export type ModelEntry = Static<typeof ModelSchema>;
/** A model entry with its first target's provider and upstream model filled in. */
export type ModelConfig = ModelEntry & { provider: string; upstreamModel: string };
export type NexusConfig = Static<typeof ConfigSchema>;
