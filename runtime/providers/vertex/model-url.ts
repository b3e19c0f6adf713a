/**
 * Vertex AI's model resource URLs. Google's own models live under the `google` publisher,
 * Anthropic's Claude models under `anthropic`; both take the project and region in the path.
 */

import { NexusError } from "../../errors/nexus-error.ts";
import type { Target } from "../codec.ts";

export type Publisher = "google" | "anthropic";

/** Returns the publisher of a model: every Claude model name on Vertex starts with `claude`. */
export function publisherOf(upstreamModel: string): Publisher {
  return upstreamModel.startsWith("claude") ? "anthropic" : "google";
}

/** `{baseUrl}/v1/projects/{project}/locations/{region}/publishers/{publisher}/models/{model}`. */
export function vertexModelUrl(target: Target, publisher: Publisher): string {
  const { region, project } = target;
  if (region === undefined || project === undefined) {
    throw new NexusError(
      "internal_error",
      `Provider '${target.provider}' (type vertex) needs 'region' and 'project' in the config.`,
      { status: 500, type: "api_error" },
    );
  }
  const base = target.baseUrl.replace(/\/+$/, "");
  const segments = [
    "v1/projects", encodeURIComponent(project),
    "locations", encodeURIComponent(region),
    "publishers", publisher,
    "models", encodeURIComponent(target.upstreamModel),
  ];
  return `${base}/${segments.join("/")}`;
}

/** Headers of every Vertex request before the transport adds the access token. */
export function vertexHeaders(target: Target): Record<string, string> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  for (const [name, value] of Object.entries(target.headers)) headers[name.toLowerCase()] = value;
  return headers;
}
