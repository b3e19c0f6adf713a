/**
 * The codec's transport. A Replicate chat request is a prediction: create it, then either
 * poll `urls.get` until it finishes (non-streaming) or read `urls.stream` (streaming). The
 * Response returned is what the decoders read: the final prediction as JSON, or an event
 * stream (see stream-events.ts). A non-2xx response from Replicate is returned as it is, for
 * decodeError.
 */

import type { SendContext, Target, UpstreamRequest } from "../codec.ts";
import { CancelOnAbort } from "./cancel.ts";
import { followableUrl } from "./follow-url.ts";
import { followUpHeaders } from "./headers.ts";
import { pollUntilFinished } from "./poll.ts";
import { predictionResponse, readPrediction } from "./read-prediction.ts";
import { finishedPredictionEvents, relayPredictionStream } from "./stream-events.ts";
import { isTerminal, type Prediction } from "./wire.ts";

export async function sendPrediction(
  request: UpstreamRequest,
  target: Target,
  context: SendContext,
): Promise<Response> {
  const createResponse = await context.fetch(request);
  if (!createResponse.ok) return createResponse;
  const created = await readPrediction(createResponse);

  const watch = new CancelOnAbort(created, target, context.signal);
  if (isTerminal(created)) watch.finish();
  try {
    if (context.stream && !isTerminal(created) && created.urls?.stream !== undefined) {
      return await openStream(created, target, context, watch);
    }
    const finished = await pollUntilFinished(created, target, context);
    watch.finish();
    if (finished instanceof Response) return finished;
    return context.stream ? eventStreamResponse(finishedPredictionEvents(finished))
      : predictionResponse(finished);
  } catch (error) {
    // Errors the gateway did not cause (a rejected URL, a broken poll) would leave the
    // prediction running unread. The abort listener covers the gateway's own aborts.
    if (!context.signal.aborted) watch.cancelNow();
    throw error;
  }
}

async function openStream(
  created: Prediction,
  target: Target,
  context: SendContext,
  watch: CancelOnAbort,
): Promise<Response> {
  const url = followableUrl(created, "stream", target.baseUrl);
  const headers = { ...followUpHeaders(target, "text/event-stream"), "cache-control": "no-store" };
  const upstream = await context.fetch({ url, method: "GET", headers, body: "" });
  const contentType = upstream.headers.get("content-type") ?? "";
  if (!upstream.ok || upstream.body === null || !contentType.includes("text/event-stream")) {
    // The gateway reports this response as the error, so the prediction would run unread.
    watch.cancelNow();
    return upstream;
  }

  const body = relayPredictionStream(upstream.body, created, {
    onFinished: () => watch.finish(),
    readFinal: () => readFinal(created, target, context),
  });
  return eventStreamResponse(body);
}

/**
 * Reads the prediction once its stream is done, for the token counts in `metrics`. Returns
 * null when that fails, so the stream still ends well and the gateway estimates usage.
 */
async function readFinal(
  created: Prediction,
  target: Target,
  context: SendContext,
): Promise<Prediction | null> {
  try {
    const url = followableUrl(created, "get", target.baseUrl);
    const headers = followUpHeaders(target, "application/json");
    const response = await context.fetch({ url, method: "GET", headers, body: "" });
    if (!response.ok) {
      await response.body?.cancel();
      return null;
    }
    return await readPrediction(response);
  } catch {
    return null;
  }
}

function eventStreamResponse(body: ReadableStream<Uint8Array>): Response {
  return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
}
