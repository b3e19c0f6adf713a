import type { ResolvedModel } from "../../../../runtime/config/models.ts";
import { NexusError } from "../../../../runtime/errors/nexus-error.ts";
import type { Target } from "../../../../runtime/providers/codec.ts";

/**
 * Builds the codec's target, reading the credentials from the environment variables the config
 * names. The variables are read per request so a rotated credential needs no restart.
 */
export function targetFor(resolved: ResolvedModel): Target {
  const { provider } = resolved;
  const apiKey = provider.apiKeyEnv === undefined
    ? null
    : readCredential(resolved.providerId, provider.apiKeyEnv);

  const credentials: Record<string, string> = {};
  for (const [role, envName] of Object.entries(provider.credentialEnv ?? {})) {
    credentials[role] = readCredential(resolved.providerId, envName);
  }

  return {
    provider: resolved.providerId,
    baseUrl: provider.baseUrl.replace(/\/+$/, ""),
    apiKey,
    headers: provider.headers ?? {},
    upstreamModel: resolved.model.upstreamModel,
    region: provider.region,
    project: provider.project,
    credentials,
  };
}

function readCredential(providerId: string, envName: string): string {
  const value = process.env[envName];
  if (value === undefined || value === "") {
    throw new NexusError(
      "provider_credentials_missing",
      `Provider '${providerId}' has no credential: the environment variable ` +
        `${envName} is not set on the gateway.`,
      { status: 500, type: "api_error" },
    );
  }
  return value;
}
