/**
 * Polls `urls.get` until the prediction succeeds, fails or is canceled. The gateway's signal
 * bounds the wait: it fires when the client leaves or the provider's `timeoutMs` passes.
 */

import type { SendContext, Target } from "../codec.ts";
import { followableUrl } from "./follow-url.ts";
import { followUpHeaders } from "./headers.ts";
import { readPrediction } from "./read-prediction.ts";
import { isTerminal, type Prediction } from "./wire.ts";

/** First pause between two polls, its growth per poll and its maximum, in ms. */
const FIRST_DELAY_MS = 250;
const DELAY_FACTOR = 1.5;
const MAX_DELAY_MS = 2000;

/**
 * Returns the finished prediction, or the first response of `urls.get` that is not a success
 * so that the codec's decodeError maps it.
 */
export async function pollUntilFinished(
  created: Prediction,
  target: Target,
  context: SendContext,
): Promise<Prediction | Response> {
  // The URL is checked once, from the create response, and every poll reuses it.
  const url = followableUrl(created, "get", target.baseUrl);
  const headers = followUpHeaders(target, "application/json");
  let prediction = created;
  let delay = FIRST_DELAY_MS;

  while (!isTerminal(prediction)) {
    await sleep(delay, context.signal);
    delay = Math.min(delay * DELAY_FACTOR, MAX_DELAY_MS);

    const response = await context.fetch({ url, method: "GET", headers, body: "" });
    if (!response.ok) return response;
    prediction = await readPrediction(response);
  }
  return prediction;
}

/** Waits `ms`, or rejects with the signal's reason as soon as it fires. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
