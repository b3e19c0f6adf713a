import { NexusError } from "../../errors/nexus-error.ts";
import type { Target } from "../codec.ts";

/** Builds the request headers; Voyage takes the key as `Authorization: Bearer`. */
export function buildHeaders(target: Target): Record<string, string> {
  const extra: Record<string, string> = {};
  for (const [name, value] of Object.entries(target.headers)) extra[name.toLowerCase()] = value;

  if (target.apiKey === null && extra.authorization === undefined) {
    throw new NexusError(
      "provider_credentials_missing",
      `Provider '${target.provider}' has no API key configured.`,
      { status: 500, type: "api_error" },
    );
  }

  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json",
  };
  if (target.apiKey !== null) headers.authorization = `Bearer ${target.apiKey}`;
  return { ...headers, ...extra };
}

/** Joins the configured base URL (for example https://api.voyageai.com) and an API path. */
export function endpoint(target: Target, path: string): string {
  return `${target.baseUrl.replace(/\/+$/, "")}${path}`;
}
