import type { Target, UpstreamRequest } from "../codec.ts";

/**
 * The data-plane inference version sent when `baseUrl` carries no `api-version` query: the
 * latest GA version in Azure OpenAI's REST API reference when this codec was written.
 * NOTE: the OpenAI encoder always sets `stream_options.include_usage` on a streamed request,
 * and a configured older version may reject it; that case is not tested against Azure.
 */
export const DEFAULT_API_VERSION = "2024-10-21";

/**
 * Turns the Azure target into the target the OpenAI encoders expect. Its `baseUrl` becomes
 * `<resource>/openai/deployments/<upstreamModel>`, because Azure names the deployment in the
 * path, and its credential moves into headers: `api-key` by default, or the configured
 * `authorization` header (a Microsoft Entra ID bearer token) with no `api-key`.
 */
export function toDeploymentTarget(target: Target): Target {
  const base = new URL(target.baseUrl);
  const resourcePath = base.pathname.replace(/\/+$/, "").replace(/\/openai$/, "");
  const deployment = encodeURIComponent(target.upstreamModel);
  const baseUrl = `${base.origin}${resourcePath}/openai/deployments/${deployment}`;
  return { ...target, baseUrl, apiKey: null, headers: authHeaders(target) };
}

/**
 * Adds the query of the configured `baseUrl` to a request the OpenAI encoder built, with
 * `api-version` set to `DEFAULT_API_VERSION` when the query has none.
 */
export function withApiVersion(request: UpstreamRequest, target: Target): UpstreamRequest {
  const query = new URL(target.baseUrl).searchParams;
  if (!query.has("api-version")) query.set("api-version", DEFAULT_API_VERSION);
  return { ...request, url: `${request.url}?${query.toString()}` };
}

function authHeaders(target: Target): Record<string, string> {
  const configured = Object.keys(target.headers).map((name) => name.toLowerCase());
  if (configured.includes("authorization") || target.apiKey === null) return target.headers;
  return { "api-key": target.apiKey, ...target.headers };
}
