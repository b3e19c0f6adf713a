/**
 * Cancels a prediction whose result no client will read: the client left or the gateway's
 * deadline passed. Replicate keeps running (and billing) a prediction until it finishes or is
 * canceled, so the gateway asks once, best-effort, and never waits for the answer.
 */

import type { Target } from "../codec.ts";
import { followableUrl } from "./follow-url.ts";
import { followUpHeaders } from "./headers.ts";
import type { Prediction } from "./wire.ts";

/** Maximum wait for Replicate to accept a cancel, in ms. */
const CANCEL_TIMEOUT_MS = 5000;

/** Sends `POST urls.cancel` when the gateway aborts before the prediction has finished. */
export class CancelOnAbort {
  #finished = false;
  readonly #onAbort = (): void => this.cancelNow();

  constructor(
    private readonly prediction: Prediction,
    private readonly target: Target,
    private readonly signal: AbortSignal,
  ) {
    if (signal.aborted) this.cancelNow();
    else signal.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** Marks the prediction as finished, after which an abort sends nothing. */
  finish(): void {
    this.#finished = true;
    this.signal.removeEventListener("abort", this.#onAbort);
  }

  /** Sends the cancel unless the prediction has finished or a cancel was already sent. */
  cancelNow(): void {
    if (this.#finished) return;
    this.finish();

    const url = this.#cancelUrl();
    if (url === null) return;
    // The gateway's signal may have fired already, so this call has its own short deadline.
    fetch(url, {
      method: "POST",
      headers: followUpHeaders(this.target, "application/json"),
      signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS),
      redirect: "manual",
    })
      .then((response) => response.body?.cancel())
      .catch(() => undefined);
  }

  /**
   * Returns `urls.cancel`, or when it is missing or on another origin, the documented
   * `POST {baseUrl}/predictions/{id}/cancel`, so that a refused prediction is still stopped.
   */
  #cancelUrl(): string | null {
    try {
      return followableUrl(this.prediction, "cancel", this.target.baseUrl);
    } catch {
      const id = this.prediction.id;
      if (typeof id !== "string" || !/^[A-Za-z0-9]+$/.test(id)) return null;
      return `${this.target.baseUrl}/predictions/${id}/cancel`;
    }
  }
}
