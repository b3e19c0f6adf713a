import type { AuditStartHook } from "../../../runtime/audit/audit-sink.ts";
import type { TrafficEvent } from "../../../runtime/audit/traffic-event.ts";
import type { Usage } from "../../../runtime/canonical/chat.ts";
import type { ResolvedModel } from "../../../runtime/config/models.ts";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { redactSecrets } from "../../../runtime/errors/redact-secrets.ts";
import { truncateInput } from "../../../runtime/errors/truncate-input.ts";
import type { VirtualKey } from "../../../runtime/identity/keys/types.ts";
import type { PipelineResult } from "../../../runtime/hooks/pipeline.ts";
import type { Target } from "../../../runtime/providers/codec.ts";
import { costInUsd } from "../../../runtime/quota/cost.ts";
import { saneUsage } from "../../../runtime/quota/sane-usage.ts";
import type { RequestCapture } from "./capture.ts";
import type { GatewayContext } from "./context.ts";
import type { QuotaHold } from "./quota/quota-gate.ts";
import { redactPersonalData } from "./redact-error-text.ts";
import type { RequestIds } from "./request-id.ts";

/** Characters per token for estimates; a common rule of thumb for English text, not exact. */
const CHARS_PER_TOKEN = 4;

/**
 * Maximum characters of the requested model name kept in the event and the start record. The
 * name is the client's own string, and a configured model name is far shorter than this.
 */
export const MAX_EVENT_MODEL_CHARS = 256;

/**
 * Maximum characters of a text value in `detail`. An error message is already capped at 2000
 * characters. This cap bounds any other text a route adds, so the event stays far below the
 * 1 MiB NATS message limit.
 */
export const MAX_DETAIL_TEXT_CHARS = 4000;

/**
 * Collects the facts of one request as it runs and writes exactly one traffic event when it
 * ends, however it ends.
 */
export class RequestRecord {
  readonly requestId: string;
  readonly clientRequestId: string | null;
  readonly route: string;
  readonly #context: GatewayContext;
  readonly #startedAt = performance.now();
  readonly #time = Date.now();
  #key: VirtualKey | null = null;
  #model: ResolvedModel | null = null;
  #requestedModel: string | null = null;
  #stream = false;
  #firstTokenAt: number | null = null;
  #usage: Usage | undefined;
  #partialUsage: Usage | undefined;
  #requestChars = 0;
  #outputChars = 0;
  #secrets: string[] = [];
  #detail: Record<string, unknown> = {};
  #droppedParams: string[] = [];
  #finished = false;
  #startSent = false;
  #quotaHold: QuotaHold | null = null;
  /** Body capture of this request, set by `openCapture` when the config turns it on. */
  capture: RequestCapture | null = null;

  constructor(context: GatewayContext, ids: RequestIds, route: string) {
    this.#context = context;
    this.requestId = ids.requestId;
    this.clientRequestId = ids.clientRequestId;
    this.route = route;
  }

  setKey(key: VirtualKey): void {
    this.#key = key;
  }

  /** The authenticated key, or null before authentication. */
  get key(): VirtualKey | null {
    return this.#key;
  }

  setModel(requested: string, resolved: ResolvedModel | null): void {
    this.#requestedModel = truncateInput(requested, MAX_EVENT_MODEL_CHARS);
    this.#model = resolved;
    if (resolved !== null) this.#announceStart();
  }

  /**
   * Hands the admitted request's start record to the context's `auditStart` hook, once. The
   * key, stream flag and resolved model are known by now (admission sets them in that order),
   * so a `gateway_lost` event made from it names who asked for what and which provider and
   * upstream model served it. Earlier exits, such as an unknown model, are quick rejections
   * whose final event follows within milliseconds, so they get no start record.
   */
  #announceStart(): void {
    const hook = (this.#context as GatewayContext & AuditStartHook).auditStart;
    if (hook === undefined || this.#startSent || this.#finished) return;
    this.#startSent = true;
    hook({
      requestId: this.requestId,
      clientRequestId: this.clientRequestId,
      time: this.#time,
      keyId: this.#key?.id ?? null,
      org: this.#key?.org ?? null,
      project: this.#key?.project ?? null,
      route: this.route,
      model: this.#requestedModel,
      provider: this.provider,
      upstreamModel: this.#model?.model.upstreamModel ?? null,
      stream: this.#stream,
    });
  }

  /** Replaces the resolved model with the target a routed request went to last. */
  setTarget(resolved: ResolvedModel): void {
    this.#model = resolved;
  }

  setStream(stream: boolean): void {
    this.#stream = stream;
  }

  setRequestChars(chars: number): void {
    this.#requestChars = chars;
  }

  /** Remembers a credential used for this request so that no message can carry it out. */
  addSecret(secret: string | null): void {
    if (secret !== null) this.#secrets.push(secret);
  }

  /** Notes parameters left out of the upstream request, for the header and the event. */
  setDroppedParams(names: string[]): void {
    this.#droppedParams = names;
    this.addDetail("dropped_params", names);
  }

  /**
   * Adds a compliance pipeline's run to the event: each stage's verdict, reason and timing,
   * the kinds of what was found (never the text) and the classification labels.
   */
  addHookResult(result: PipelineResult): void {
    const hooks = (this.#detail.hooks ?? []) as unknown[];
    this.#detail.hooks = [...hooks, ...result.records];

    const kinds = (this.#detail.findings ?? {}) as Record<string, number>;
    for (const finding of result.findings) kinds[finding.kind] = (kinds[finding.kind] ?? 0) + 1;
    if (result.findings.length > 0) this.#detail.findings = kinds;
    if (result.labels.length > 0) this.#detail.classification = result.labels;
  }

  /** Registers every credential of a target, so none can reach a log or an error body. */
  addTargetSecrets(target: Target): void {
    this.addSecret(target.apiKey);
    for (const value of Object.values(target.credentials ?? {})) this.addSecret(value);
  }

  /** Keeps the request's quota reservation, which `finish` settles or releases. */
  holdQuota(hold: QuotaHold): void {
    this.#quotaHold = hold;
  }

  markFirstToken(): void {
    this.#firstTokenAt ??= performance.now();
  }

  /** Counts streamed output, for the usage estimate of a stream that ends without usage. */
  addOutputChars(count: number): void {
    this.#outputChars += count;
  }

  /** Keeps the provider's usage; implausible counts are noted and left to the estimate. */
  setUsage(usage: Usage | undefined): void {
    this.#usage = saneUsage(usage);
    if (usage !== undefined && this.#usage === undefined) this.addDetail("usage_invalid", true);
  }

  /** Keeps usage a provider reported before the request failed, for the estimate. */
  setPartialUsage(usage: Usage): void {
    this.#partialUsage = saneUsage(usage);
  }

  /** Adds a fact to the event's `detail`; a text value is truncated to `MAX_DETAIL_TEXT_CHARS`. */
  addDetail(name: string, value: unknown): void {
    this.#detail[name] = typeof value === "string"
      ? truncateInput(value, MAX_DETAIL_TEXT_CHARS)
      : value;
  }

  get provider(): string | null {
    return this.#model?.providerId ?? null;
  }

  /** Returns the headers every response of this request carries. */
  responseHeaders(): Record<string, string> {
    const headers: Record<string, string> = { "x-request-id": this.requestId };
    if (this.clientRequestId !== null) headers["x-client-request-id"] = this.clientRequestId;
    if (this.#droppedParams.length > 0) {
      headers["x-nexus-dropped-params"] = this.#droppedParams.join(", ");
    }
    // `hit`, `semantic-hit`, `miss` or `bypass`, set by the chat route's cache step.
    if (typeof this.#detail.cache === "string") headers["x-nexus-cache"] = this.#detail.cache;
    return headers;
  }

  /**
   * Returns a copy of the error whose message is safe for the client, logs and event: without
   * credentials and, when the gateway has a compliance config, without personal data. Every
   * failure path calls this before it reports or renders the error.
   */
  publicError(error: NexusError): NexusError {
    let message = redactSecrets(error.message, this.#secrets);
    let param = error.param === null ? null : redactSecrets(error.param, this.#secrets);
    if (this.#context.compliance !== null) {
      message = redactPersonalData(message);
      // A provider's `param` can quote content too, e.g. `messages[jane@example.com]`.
      param = param === null ? null : redactPersonalData(param);
    }
    if (message === error.message && param === error.param) return error;
    return new NexusError(error.code, message, {
      status: error.status,
      type: error.type,
      param,
      retryAfter: error.retryAfter,
      cause: error.cause,
    });
  }

  /**
   * Resolves once this request's records are acknowledged by the bus, when the context has an
   * `auditSettled` hook (production mode), and at once otherwise. Awaited after `finish` and
   * before the last bytes, it ensures a complete response always has its event.
   */
  settled(): Promise<void> {
    const hook = (this.#context as GatewayContext & AuditStartHook).auditSettled;
    return hook === undefined ? Promise.resolve() : hook(this.requestId);
  }

  /** Writes the event; later calls do nothing, so every exit path may call it. */
  finish(status: number, errorCode: string | null): void {
    if (this.#finished) return;
    this.#finished = true;
    const now = performance.now();
    const usage = this.#usage ?? this.#estimateUsage();
    const captured = this.capture?.finish(status) ?? null;
    // Without usage (a failure before the first token) the whole estimate is released, and a
    // request not charged for an upstream call spends nothing either.
    this.#quotaHold?.finish(paysNoCall(this.#detail) ? undefined : usage);

    const event: TrafficEvent = {
      requestId: this.requestId,
      clientRequestId: this.clientRequestId,
      time: this.#time,
      keyId: this.#key?.id ?? null,
      org: this.#key?.org ?? null,
      project: this.#key?.project ?? null,
      route: this.route,
      provider: this.provider,
      model: this.#requestedModel,
      upstreamModel: this.#model?.model.upstreamModel ?? null,
      stream: this.#stream,
      status,
      errorCode,
      latencyMs: round(now - this.#startedAt),
      ttftMs: this.#firstTokenAt === null ? null : round(this.#firstTokenAt - this.#startedAt),
      inputTokens: usage?.prompt_tokens ?? null,
      outputTokens: usage?.completion_tokens ?? null,
      cachedTokens: usage?.prompt_tokens_details?.cached_tokens ?? null,
      cacheWriteTokens: usage?.prompt_tokens_details?.cache_write_tokens ?? null,
      reasoningTokens: usage?.completion_tokens_details?.reasoning_tokens ?? null,
      // A hit or a joined request pays no call: usage shows the answer's size, at no cost.
      costUsd: paysNoCall(this.#detail)
        ? 0
        : costInUsd(usage, this.#model?.model.price),
      detail: this.#detail,
      ...captured,
    };
    this.#context.eventWriter.write(event);
    this.#recordMetrics(status, now);
  }

  /**
   * Estimates usage for a stream that ended without a final usage report (client gone, cut,
   * stall), so the event still shows what was spent; the event marks it. Counts the provider
   * reported before the failure are kept, and output is estimated from the text relayed. A
   * request that produced neither (rejected, or failed before its first event) gets none.
   */
  #estimateUsage(): Usage | undefined {
    const partial = this.#partialUsage;
    if (partial === undefined && this.#outputChars === 0) return undefined;

    const prompt = partial?.prompt_tokens ?? Math.ceil(this.#requestChars / CHARS_PER_TOKEN);
    const completion = Math.max(
      partial?.completion_tokens ?? 0,
      Math.ceil(this.#outputChars / CHARS_PER_TOKEN),
    );
    this.#detail.usage_estimated = true;
    return {
      ...partial,
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
    };
  }

  #recordMetrics(status: number, now: number): void {
    const metrics = this.#context.metrics;
    metrics.requests.inc({
      route: this.route,
      status: String(status),
      provider: this.provider ?? "",
    });
    metrics.requestDuration.observe(
      { route: this.route, stream: String(this.#stream) },
      (now - this.#startedAt) / 1000,
    );
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * True when the request is not charged for an upstream call. An exact or a semantic hit made
 * none. Of the requests sharing one call, only the payer the cache's `FlightBilling` names is
 * charged: the one that started the call, unless it left and handed the charge over.
 */
function paysNoCall(detail: Record<string, unknown>): boolean {
  if (detail.cache === "hit" || detail.cache === "semantic-hit") return true;
  if (detail.cache_flight_handed_over !== undefined) return true;
  return detail.cache_coalesced === true && detail.cache_flight_taken_over_from === undefined;
}
