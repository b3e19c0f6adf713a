import type { Usage } from "../../../../runtime/canonical/chat.ts";
import type { Price } from "../../../../runtime/config/schema.ts";
import { describeError, type Logger } from "../../../../runtime/observability/log.ts";
import { chargesFor, type QuotaSubject } from "../../../../runtime/quota/charges.ts";
import type { QuotaConfig } from "../../../../runtime/quota/config-schema.ts";
import { actualSpend, estimateSpend } from "../../../../runtime/quota/estimate.ts";
import type {
  QuotaAlert,
  QuotaAmounts,
  QuotaCharge,
  QuotaStore,
  ReserveResult,
} from "../../../../runtime/quota/quota-store.ts";
import { quotaExceededError, quotaUnavailableError } from "./quota-error.ts";

/** Output tokens assumed for a request without an output maximum, unless configured. */
const DEFAULT_OUTPUT_TOKENS = 4096;

/** A request's reservation; `finish` settles it with the real usage or releases it. */
export interface QuotaHold {
  finish(usage: Usage | undefined): void;
}

export interface QuotaRequest {
  subject: QuotaSubject;
  requestChars: number;
  /** The request's output maximum; null when it sets none. */
  maxOutputTokens: number | null;
  /** The body field that set `maxOutputTokens`, named in a 429; null when none did. */
  outputField?: string | null;
  price: Price | undefined;
}

/** Applies the configured quota rules to requests through a `QuotaStore`. */
export class QuotaGate {
  readonly #config: QuotaConfig;
  readonly #store: QuotaStore;
  readonly #logger: Logger;
  readonly #now: () => number;

  constructor(config: QuotaConfig, store: QuotaStore, logger: Logger, now = Date.now) {
    this.#config = config;
    this.#store = store;
    this.#logger = logger;
    this.#now = now;
  }

  /** The counters this gate charges, as requests see them. */
  get store(): QuotaStore {
    return this.#store;
  }

  /**
   * Reserves the request's estimated spend on every matching rule. Throws `quota_exceeded`
   * when a hard rule has no room; returns null when no rule matches.
   */
  async reserve(request: QuotaRequest): Promise<QuotaHold | null> {
    const charges = chargesFor(this.#config.rules, request.subject);
    if (charges.length === 0) return null;

    const estimate = estimateSpend({
      requestChars: request.requestChars,
      maxOutputTokens: request.maxOutputTokens
        ?? this.#config.defaultOutputTokens ?? DEFAULT_OUTPUT_TOKENS,
      price: request.price,
    });
    const now = this.#now();
    const scope = request.subject.org === "" ? request.subject.key : request.subject.org;
    const result = await this.#reserveOrFail(charges, estimate, now, scope);
    if (!result.ok) {
      throw quotaExceededError(result.exceeded, now, request.outputField ?? null);
    }

    const { reservationId } = result;
    return { finish: (usage) => this.#finish(reservationId, usage, request.price) };
  }

  /**
   * Reserves on the store; a store error rejects the request with 503 `quota_unavailable`,
   * since admitting it unmetered could overspend a hard limit.
   */
  async #reserveOrFail(
    charges: QuotaCharge[],
    estimate: QuotaAmounts,
    now: number,
    scope: string,
  ): Promise<ReserveResult> {
    try {
      return await this.#store.reserve(charges, estimate, now, scope);
    } catch (error) {
      this.#logger.log("error", "quota.reserve_failed", { error: describeError(error) });
      throw quotaUnavailableError(error);
    }
  }

  #finish(reservationId: string, usage: Usage | undefined, price: Price | undefined): void {
    const done = usage === undefined
      ? this.#store.release(reservationId).then(() => [])
      : this.#store.settle(reservationId, actualSpend(usage, price), this.#now());
    done.then(
      (alerts) => alerts.forEach((alert) => this.#logAlert(alert)),
      (error: unknown) => {
        // The reservation stays counted, which errs toward blocking rather than overspending.
        this.#logger.log("error", "quota.settle_failed", { error: describeError(error) });
      },
    );
  }

  #logAlert(alert: QuotaAlert): void {
    this.#logger.log("warn", "quota.soft_limit_exceeded", {
      axis: alert.axis,
      value: alert.value,
      window: alert.window,
      unit: alert.unit,
      limit: alert.limit,
      used: alert.used,
    });
  }
}
