import { isIP } from "node:net";
import type { TrafficEvent } from "../audit/traffic-event.ts";

/** The CEF fields a traffic event maps to: header name and severity, then extensions. */
export interface CefFields {
  name: string;
  severity: number;
  extensions: Array<[key: string, value: string | number | null]>;
}

/** The parts of a hook stage record (`event.detail.hooks`) that the mapping reads. */
interface HookEntry {
  stage?: unknown;
  phase?: unknown;
  verdict?: unknown;
  reason?: unknown;
}

/**
 * Maps a traffic event to CEF. Standard keys carry what CEF names: rt, externalId, suid,
 * request, outcome, reason, src and msg. The rest go in labelled custom fields, which a SIEM
 * reads as named fields (`cs3Label=model cs3=gpt-4o` is a field named model).
 */
export function trafficCef(event: TrafficEvent): CefFields {
  const hooks = hookEntries(event.detail.hooks);
  const blocked = hooks.find((hook) => hook.verdict === "block");
  const flagged = hooks.some((hook) => hook.verdict === "flag" || hook.verdict === "redact");
  const failed = event.status >= 400;
  let outcome: keyof typeof NAMES = failed ? "failure" : "success";
  if (blocked !== undefined) outcome = "blocked";

  const extensions: CefFields["extensions"] = [
    ["rt", event.time],
    ["externalId", event.requestId],
    ["suid", event.keyId],
    ["request", event.route],
    ["outcome", outcome],
    ["reason", event.errorCode],
    ["src", clientAddress(event.detail)],
    ["msg", typeof blocked?.reason === "string" ? blocked.reason : null],
    ["cs1Label", "org"], ["cs1", event.org],
    ["cs2Label", "project"], ["cs2", event.project],
    ["cs3Label", "model"], ["cs3", event.model],
    ["cs4Label", "provider"], ["cs4", event.provider],
    ["cs5Label", "hookVerdicts"], ["cs5", hooks.length > 0 ? verdictList(hooks) : null],
    ["cs6Label", "upstreamModel"], ["cs6", event.upstreamModel],
    ["cn1Label", "httpStatus"], ["cn1", event.status],
    ["cn2Label", "inputTokens"], ["cn2", event.inputTokens],
    ["cn3Label", "outputTokens"], ["cn3", event.outputTokens],
    ["cfp1Label", "costUsd"], ["cfp1", event.costUsd],
    ["cfp2Label", "latencyMs"], ["cfp2", event.latencyMs],
  ];

  return {
    name: NAMES[outcome],
    severity: severityOf(outcome, flagged),
    extensions: dropLabelsWithoutValue(extensions),
  };
}

const NAMES = {
  blocked: "LLM request blocked",
  failure: "LLM request failed",
  success: "LLM request",
} as const;

/** Returns the CEF severity: 8 blocked, 6 flagged or redacted, 5 failed, 3 otherwise. */
function severityOf(outcome: keyof typeof NAMES, flagged: boolean): number {
  if (outcome === "blocked") return 8;
  if (flagged) return 6;
  if (outcome === "failure") return 5;
  return 3;
}

function hookEntries(value: unknown): HookEntry[] {
  if (!Array.isArray(value)) return [];
  return value.filter((entry): entry is HookEntry => typeof entry === "object" && entry !== null);
}

/** Writes the verdicts as `phase/stage=verdict`, comma-separated, in pipeline order. */
function verdictList(hooks: HookEntry[]): string {
  return hooks.map((hook) => `${String(hook.phase)}/${String(hook.stage)}=${String(hook.verdict)}`)
    .join(",");
}

/** Returns the client address when the event recorded one (`detail.client_ip`). */
function clientAddress(detail: Record<string, unknown>): string | null {
  const value = detail.client_ip;
  return typeof value === "string" && isIP(value) !== 0 ? value : null;
}

/** Leaves out null values, and the label of each custom field that has no value. */
function dropLabelsWithoutValue(extensions: CefFields["extensions"]): CefFields["extensions"] {
  const present = new Set(extensions.filter(([, value]) => value !== null).map(([key]) => key));
  return extensions.filter(([key, value]) => {
    if (value === null) return false;
    if (key.endsWith("Label")) return present.has(key.slice(0, -"Label".length));
    return true;
  });
}
