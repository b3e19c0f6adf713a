import { invalidUpstream } from "./upstream-errors.ts";
import type { Prediction } from "./wire.ts";

/** Reads a prediction object from a successful response, or throws a 502. */
export async function readPrediction(response: Response): Promise<Prediction> {
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalidUpstream(`the prediction is not JSON: ${text.slice(0, 200)}`, error);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw invalidUpstream("the prediction is not a JSON object.");
  }
  return parsed as Prediction;
}

/** Wraps a prediction in the Response the decoders read, as if Replicate had sent it. */
export function predictionResponse(prediction: Prediction): Response {
  return new Response(JSON.stringify(prediction), {
    status: 200,
    headers: { "content-type": "application/json" },
  });
}
