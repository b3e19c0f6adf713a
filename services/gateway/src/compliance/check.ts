import type { HookSubject, Principal } from "../../../../runtime/hooks/stage.ts";
import { collectTexts, writeText } from "../../../../runtime/hooks/text-segments.ts";
import type { GatewayContext } from "../context.ts";
import type { RequestRecord } from "../request-record.ts";
import { blockError } from "./block-error.ts";
import { issuedVault, vaultOf } from "./vaults.ts";

export interface CheckInput {
  phase: HookSubject["phase"];
  principal: Principal;
  model: string | null;
  /** The parsed body; redactions are written into it in place. */
  body: unknown;
  sizeBytes: number;
  headers: Headers | null;
}

/**
 * Runs the compliance pipeline that applies to the principal on one body, records each
 * stage's verdict and timing in the traffic event, writes redactions back into the body and
 * throws the client's error when a stage blocks. An answer also gets back the real values of
 * the request's tokens. Returns the classification labels the stages assigned.
 */
export async function checkBody(
  context: GatewayContext,
  record: RequestRecord,
  input: CheckInput,
): Promise<readonly string[]> {
  const compliance = context.compliance;
  if (compliance === null) return [];
  if (!compliance.applies(input)) {
    if (input.phase === "response") restoreTokens(input.body, input.principal);
    return [];
  }

  // Log probabilities spell the answer out token by token, past any redaction of the text.
  if (input.phase === "response") dropLogprobs(input.body);
  const texts = collectTexts(input.body);
  const subject: HookSubject = {
    phase: input.phase,
    requestId: record.requestId,
    principal: input.principal,
    model: input.model,
    sizeBytes: input.sizeBytes,
    headers: headerRecord(input.headers),
    texts: texts.map((segment) => ({ ...segment })),
    estimatedTokens: Math.ceil(texts.reduce((sum, s) => sum + s.text.length, 0) / 4),
    vault: vaultOf(input.principal),
  };

  const result = await compliance.run(subject);
  record.addHookResult(result);
  if (result.verdict === "block") throw blockError(result, input.phase);

  subject.texts.forEach((segment, index) => {
    if (segment.text !== texts[index]!.text) writeText(input.body, segment.path, segment.text);
  });
  if (input.phase === "response") restoreTokens(input.body, input.principal);
  return result.labels;
}

function dropLogprobs(body: unknown): void {
  const choices = (body as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices)) return;
  for (const choice of choices) {
    if (typeof choice === "object" && choice !== null && "logprobs" in choice) {
      (choice as { logprobs: unknown }).logprobs = null;
    }
  }
}

/** Puts the real values back in place of the tokens the request's values were given. */
function restoreTokens(body: unknown, principal: Principal): void {
  const vault = issuedVault(principal);
  if (vault === null) return;
  for (const segment of collectTexts(body)) {
    const restored = vault.restore(segment.text);
    if (restored !== segment.text) writeText(body, segment.path, restored);
  }
}

function headerRecord(headers: Headers | null): Record<string, string> {
  const out: Record<string, string> = {};
  headers?.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}


/**
 * Tells whether a stream that would pass through untouched must be translated so that the
 * response stages can scan it, and notes that in the event. The `bypassNormalize` flag keeps
 * it a passthrough, unscanned, for incidents where the translation itself is at fault.
 */
export function translateToScan(
  context: GatewayContext,
  record: RequestRecord,
  stream: boolean,
  principal: Principal | null,
  passthrough: { bypassNormalize?: unknown },
): boolean {
  if (!stream || !responseStagesApply(context, principal)) return false;
  if (passthrough.bypassNormalize !== undefined) {
    record.addDetail("stream_scan", "bypassed_by_bypassNormalize");
    return false;
  }
  record.addDetail("stream_scan", "translated");
  return true;
}

/** Tells whether response stages apply to the principal, so passthrough routes can decide. */
export function responseStagesApply(context: GatewayContext, principal: Principal | null) {
  if (principal === null || context.compliance === null) return false;
  return context.compliance.applies({ principal, phase: "response" });
}

/**
 * Runs the response pipeline on a whole answer before it is sent; a no-op without compliance.
 * Usage must already be recorded, because a blocked answer was still paid for upstream.
 */
export async function checkAnswer(
  context: GatewayContext,
  record: RequestRecord,
  principal: Principal | null,
  model: string,
  answer: unknown,
): Promise<void> {
  if (principal === null) return;
  await checkBody(context, record, {
    phase: "response",
    principal,
    model,
    body: answer,
    sizeBytes: 0,
    headers: null,
  });
}
