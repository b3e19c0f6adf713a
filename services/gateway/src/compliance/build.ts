import { join } from "node:path";
import type { LoadedConfig } from "../../../../runtime/config/load.ts";
import { Compliance } from "../../../../runtime/hooks/compliance.ts";
import { WebhookServices } from "../../../../runtime/hooks/webhook-services.ts";
import type { AtomicWindowCounter } from "../../../../runtime/hooks/window-counter.ts";
import type { ModelCatalog } from "../../../../runtime/config/models.ts";
import type { Logger } from "../../../../runtime/observability/log.ts";
import { moderatorFor } from "./moderation.ts";

/**
 * Builds the configured pipelines, or null when the config has none. Throws with the
 * pipeline's name when a setting is invalid, so a bad config stops the boot. Async webhook
 * deliveries that fail for good are appended to `<dataDir>/webhooks/dead-letter.jsonl`.
 * `counter` stores the rate-limit windows: in memory, or in Valkey when nodes share them.
 */
export function buildCompliance(
  loaded: LoadedConfig,
  logger: Logger,
  catalog: ModelCatalog,
  counter: AtomicWindowCounter,
): Compliance | null {
  const config = loaded.config.compliance;
  if (config === undefined) return null;
  const webhooks = new WebhookServices({
    deadLetterPath: join(loaded.dataDir, "webhooks", "dead-letter.jsonl"),
    logger,
  });
  return new Compliance(config, {
    counter,
    webhooks,
    moderator: moderatorFor(catalog),
  });
}
