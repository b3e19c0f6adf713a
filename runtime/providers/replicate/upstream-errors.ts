import { NexusError } from "../../errors/nexus-error.ts";
import { invalidUpstreamFor } from "../shared/invalid-upstream.ts";

/** Builds the 502 raised when Replicate sends a body that is not the documented shape. */
export const invalidUpstream = invalidUpstreamFor("Replicate");

/** Builds the 502 raised for a prediction that ended with status `failed`. */
export function predictionFailed(id: string, detail: string): NexusError {
  return new NexusError("upstream_error", `Replicate prediction ${id} failed: ${detail}`, {
    status: 502,
    type: "api_error",
  });
}

/** Builds the 502 raised for a prediction that someone canceled before it finished. */
export function predictionCanceled(id: string): NexusError {
  const message = `Replicate prediction ${id} was canceled before it finished.`;
  return new NexusError("upstream_error", message, { status: 502, type: "api_error" });
}

/** Returns the prediction's `error` as text; models put a string there, others an object. */
export function errorDetail(error: unknown): string {
  if (typeof error === "string" && error !== "") return error;
  if (error === undefined || error === null) return "no error message";
  return JSON.stringify(error);
}
