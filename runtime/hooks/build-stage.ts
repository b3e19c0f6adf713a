import type { StageConfig } from "./config-schema.ts";
import type { PipelineStage } from "./pipeline.ts";
import type { Stage } from "./stage.ts";
import { classificationStage } from "./stages/classification.ts";
import { contentSafetyStage, type ModerationResult } from "./stages/content-safety.ts";
import { ipAllowlistStage } from "./stages/ip-allowlist.ts";
import { piiStage } from "./stages/pii.ts";
import { keywordStage } from "./stages/keyword-filter.ts";
import { rateLimitStage } from "./stages/rate-limit.ts";
import { requestSizeStage } from "./stages/request-size.ts";
import { webhookStage } from "./stages/webhook.ts";
import type { WebhookServices } from "./webhook-services.ts";
import type { AtomicWindowCounter } from "./window-counter.ts";

/** Services that stages share across pipelines. */
export interface StageServices {
  counter: AtomicWindowCounter;
  /** Returns a moderator asking the named model; absent where no model can be called. */
  moderator?: (model: string) => (texts: string[]) => Promise<ModerationResult>;
  /** Dead-letter log, logger and async queues of webhook stages; `close` flushes them. */
  webhooks?: WebhookServices;
}

/**
 * Builds a configured stage. Stages that guard access (size, IP, rate) fail closed by default;
 * content stages too, since a compliance check that silently stops checking lets data out.
 */
export function buildStage(config: StageConfig, services: StageServices): PipelineStage {
  return { stage: stageOf(config, services), failMode: config.failMode ?? "closed" };
}

function stageOf(config: StageConfig, services: StageServices): Stage {
  switch (config.stage) {
    case "pii":
      return piiStage(config);
    case "request_size":
      return requestSizeStage(config);
    case "ip_allowlist":
      return ipAllowlistStage(config.allow);
    case "rate_limit":
      return rateLimitStage(config.limits, services.counter);
    case "keyword_filter":
      return keywordStage(config);
    case "classification":
      return classificationStage(config);
    case "content_safety":
      return contentSafetyStage({ ...config, moderate: moderatorOf(config, services) });
    case "webhook":
      return webhookStage(config, services.webhooks);
  }
}

function moderatorOf(
  config: { moderationModel?: string },
  services: StageServices,
): ((texts: string[]) => Promise<ModerationResult>) | undefined {
  if (config.moderationModel === undefined) return undefined;
  if (services.moderator === undefined) {
    throw new Error("compliance: content_safety.moderationModel needs the gateway's providers");
  }
  return services.moderator(config.moderationModel);
}
