import type { HookSubject, Principal, StageContext } from "./stage.ts";
import type { JsonPath } from "./text-segments.ts";

/** The JSON body a webhook receives. Field names are part of the receivers' contract. */
export interface WebhookPayload {
  event: "nexus.compliance.check";
  deliveryId: string;
  requestId: string;
  /** `sync` when Nexus waits for a verdict; `async` when the response is ignored. */
  mode: "sync" | "async";
  phase: HookSubject["phase"];
  model: string | null;
  principal: Principal;
  /** Counts of finding kinds from earlier stages, e.g. `{ "email": 2 }`; never the text found. */
  findings: Record<string, number>;
  /** Classification labels from earlier stages. */
  labels: string[];
  /** Number of texts in the body; a response's edits refer to them by index. */
  segmentCount: number;
  /** The texts, only when the stage is configured with `include: texts`. */
  texts?: { segment: number; path: JsonPath; text: string }[];
}

export interface PayloadOptions {
  deliveryId: string;
  mode: WebhookPayload["mode"];
  include: "texts" | "metadata";
}

/** Builds the payload from the subject as it is now, after earlier stages' redactions. */
export function buildPayload(
  subject: HookSubject,
  context: StageContext,
  options: PayloadOptions,
): WebhookPayload {
  const findings: Record<string, number> = {};
  for (const finding of context.findings) {
    findings[finding.kind] = (findings[finding.kind] ?? 0) + 1;
  }

  const payload: WebhookPayload = {
    event: "nexus.compliance.check",
    deliveryId: options.deliveryId,
    requestId: subject.requestId,
    mode: options.mode,
    phase: subject.phase,
    model: subject.model,
    principal: { ...subject.principal },
    findings,
    labels: [...context.labels],
    segmentCount: subject.texts.length,
  };
  if (options.include === "texts") {
    payload.texts = subject.texts.map((segment, index) => ({
      segment: index,
      path: segment.path,
      text: segment.text,
    }));
  }
  return payload;
}
