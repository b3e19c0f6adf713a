import type { TrafficEvent } from "../../../runtime/audit/traffic-event.ts";
import type { Usage } from "../../../runtime/canonical/chat.ts";
import type { ResolvedModel } from "../../../runtime/config/models.ts";
import type { VirtualKey } from "../../../runtime/identity/keys/types.ts";
import { costInUsd } from "../../../runtime/quota/cost.ts";
import type { GatewayContext } from "./context.ts";

/**
 * Collects the facts of one request as it runs and writes exactly one traffic event when it
 * ends, however it ends.
 */
export class RequestRecord {
  readonly requestId: string;
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
  #detail: Record<string, unknown> = {};
  #finished = false;

  constructor(context: GatewayContext, requestId: string, route: string) {
    this.#context = context;
    this.requestId = requestId;
    this.route = route;
  }

  setKey(key: VirtualKey): void {
    this.#key = key;
  }

  setModel(requested: string, resolved: ResolvedModel | null): void {
    this.#requestedModel = requested;
    this.#model = resolved;
  }

  setStream(stream: boolean): void {
    this.#stream = stream;
  }

  markFirstToken(): void {
    this.#firstTokenAt ??= performance.now();
  }

  setUsage(usage: Usage | undefined): void {
    this.#usage = usage;
  }

  addDetail(name: string, value: unknown): void {
    this.#detail[name] = value;
  }

  get provider(): string | null {
    return this.#model?.providerId ?? null;
  }

  /** Writes the event; later calls do nothing, so every exit path may call it. */
  finish(status: number, errorCode: string | null): void {
    if (this.#finished) return;
    this.#finished = true;
    const now = performance.now();
    const usage = this.#usage;

    const event: TrafficEvent = {
      requestId: this.requestId,
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
      costUsd: costInUsd(usage, this.#model?.model.price),
      detail: this.#detail,
    };
    this.#context.eventWriter.write(event);

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
