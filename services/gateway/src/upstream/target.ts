import type { ResolvedModel } from "../../../../runtime/config/models.ts";
import { NexusError } from "../../../../runtime/errors/nexus-error.ts";
import type { Target } from "../../../../runtime/providers/codec.ts";

/**
 * Builds the codec's target, reading the credential from the environment variable the config
 * names. The variable is read per request so a rotated credential needs no restart.
 */
export function targetFor(resolved: ResolvedModel): Target {
  const { provider } = resolved;
  let apiKey: string | null = null;
  if (provider.apiKeyEnv !== undefined) {
    apiKey = process.env[provider.apiKeyEnv] ?? null;
    if (apiKey === null || apiKey === "") {
      throw new NexusError(
        "provider_credentials_missing",
        `Provider '${resolved.providerId}' has no credential: the environment variable ` +
          `${provider.apiKeyEnv} is not set on the gateway.`,
        { status: 500, type: "api_error" },
      );
    }
  }
  return {
    provider: resolved.providerId,
    baseUrl: provider.baseUrl.replace(/\/+$/, ""),
    apiKey,
    headers: provider.headers ?? {},
    upstreamModel: resolved.model.upstreamModel,
  };
}
