import type { HookSubject, Stage, StageContext, StageOutcome } from "../stage.ts";
import { WEBHOOK_DEFAULTS, type WebhookStageConfig } from "../webhook-config.ts";
import { buildPayload } from "../webhook-payload.ts";
import { describeTarget, postWebhook, type WebhookTarget } from "../webhook-post.ts";
import { outcomeOfResponse } from "../webhook-response.ts";
import type { WebhookServices } from "../webhook-services.ts";

/** Minimum signing key length, because a short HMAC key can be guessed from one delivery. */
const MIN_SECRET_CHARS = 16;

/**
 * Sends each subject to the company's own service. In `sync` mode the receiver's response is the
 * stage's outcome and any failure throws, so the stage's fail mode decides. In `async` mode the
 * stage allows at once and the delivery happens in the background (see WebhookQueue).
 * Throws at build time when the URL or the secret is unusable, so a bad config stops the boot.
 */
export function webhookStage(config: WebhookStageConfig, services?: WebhookServices): Stage {
  const target = resolveTarget(config, services?.env ?? process.env);
  const include = config.include ?? WEBHOOK_DEFAULTS.include;
  if (config.mode === "sync") return syncStage(target, include, services);

  if (services === undefined) {
    throw new Error(
      `webhook ${describeTarget(target.url)}: async mode needs the webhook services ` +
        "(dead-letter log and logger), which this caller did not provide",
    );
  }
  const queue = services.createQueue({
    target,
    retries: config.retries ?? WEBHOOK_DEFAULTS.retries,
    backoffMs: config.backoffMs ?? WEBHOOK_DEFAULTS.backoffMs,
    maxQueue: config.maxQueue ?? WEBHOOK_DEFAULTS.maxQueue,
  });
  return {
    name: "webhook",
    run(subject, context): StageOutcome {
      const deliveryId = crypto.randomUUID();
      const payload = buildPayload(subject, context, { deliveryId, mode: "async", include });
      queue.enqueue(subject.requestId, deliveryId, JSON.stringify(payload));
      return { verdict: "allow" };
    },
  };
}

function syncStage(
  target: WebhookTarget,
  include: "texts" | "metadata",
  services: WebhookServices | undefined,
): Stage {
  const url = describeTarget(target.url);
  return {
    name: "webhook",
    async run(subject: HookSubject, context: StageContext): Promise<StageOutcome> {
      const deliveryId = crypto.randomUUID();
      const payload = buildPayload(subject, context, { deliveryId, mode: "sync", include });
      try {
        const response = await postWebhook(target, JSON.stringify(payload), {
          requestId: subject.requestId,
          deliveryId,
        }, { readResponse: true });
        return outcomeOfResponse(response, {
          segmentCount: subject.texts.length,
          textsSent: include === "texts",
        });
      } catch (error) {
        services?.logger.log("warn", "webhook.call_failed", {
          url,
          request_id: subject.requestId,
          delivery_id: deliveryId,
          error: error instanceof Error ? error.message : String(error),
        });
        throw error;
      }
    },
  };
}

function resolveTarget(
  config: WebhookStageConfig,
  env: Record<string, string | undefined>,
): WebhookTarget {
  let url: URL;
  try {
    url = new URL(config.url);
  } catch {
    throw new Error(`webhook url "${config.url}" is not a valid URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`webhook url must be http or https, not ${url.protocol}`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new Error(
      `webhook ${describeTarget(url)}: credentials in the URL are not allowed; ` +
        "the body is signed with secretEnv instead",
    );
  }

  const secret = env[config.secretEnv];
  if (secret === undefined || secret.length < MIN_SECRET_CHARS) {
    throw new Error(
      `webhook ${describeTarget(url)}: environment variable ${config.secretEnv} must contain ` +
        `a signing secret of at least ${MIN_SECRET_CHARS} characters`,
    );
  }
  return { url, secret, timeoutMs: config.timeoutMs ?? WEBHOOK_DEFAULTS.timeoutMs };
}
