import type { Target, UpstreamRequest } from "../codec.ts";

/**
 * Builds a POST to `${target.baseUrl}${path}` with a JSON body. Headers from the provider config
 * override the defaults, matched case-insensitively, so a private endpoint can replace
 * `authorization` with its own scheme (for example an `api-key` header and a null apiKey).
 */
export function buildUpstreamRequest(target: Target, path: string, body: unknown): UpstreamRequest {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (target.apiKey !== null) headers.authorization = `Bearer ${target.apiKey}`;

  for (const [name, value] of Object.entries(target.headers)) {
    for (const existing of Object.keys(headers)) {
      if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    }
    headers[name] = value;
  }

  const baseUrl = target.baseUrl.replace(/\/+$/, "");
  return { url: `${baseUrl}${path}`, method: "POST", headers, body: JSON.stringify(body) };
}
