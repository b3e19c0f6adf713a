// ADJUST HERE: every assumption the benchmark makes about the Nexus CLI and its config file
// lives in this file. When `nexus up`, `nexus keys create` or the config schema change, this
// is the only file to edit; contenders/nexus.ts only calls these functions.

/** The model name clients use; the config maps it to the mock's model. */
export const NEXUS_MODEL = "bench-model";

/** Path polled until the gateway responds; any HTTP status counts as up. */
export const NEXUS_READY_PATH = "/healthz";

/** Environment the gateway and the key command both need; values are throwaway. */
export const NEXUS_ENV: Record<string, string> = {
  MOCK_KEY: "bench-upstream-key",
  NEXUS_BENCH_KEY_SECRET: "bench-only-hmac-secret-not-for-production",
};

export interface NexusConfigInput {
  port: number;
  /** Mock upstream origin, e.g. http://127.0.0.1:41234. */
  upstreamOrigin: string;
  dataDir: string;
}

/**
 * Returns the config document. The driver writes it as JSON, which every YAML 1.2 parser
 * reads, so the bench needs no YAML package.
 */
export function nexusConfig(input: NexusConfigInput): Record<string, unknown> {
  return {
    server: { host: "127.0.0.1", port: input.port },
    dataDir: input.dataDir,
    keySecretEnv: "NEXUS_BENCH_KEY_SECRET",
    providers: {
      mock: { type: "openai", baseUrl: `${input.upstreamOrigin}/v1`, apiKeyEnv: "MOCK_KEY" },
    },
    models: {
      [NEXUS_MODEL]: { provider: "mock", upstreamModel: "gpt-4o-mini" },
    },
  };
}

/** Arguments after the bun binary that start the gateway, run from the repository root. */
export function nexusUpArgs(configPath: string): string[] {
  return ["bin/nexus.ts", "up", "--config", configPath];
}

/** Arguments after the bun binary that create a virtual key and print it as JSON. */
export function nexusKeyArgs(configPath: string): string[] {
  const scope = ["--org", "bench", "--models", "*", "--json"];
  return ["bin/nexus.ts", "keys", "create", ...scope, "--config", configPath];
}

/** Reads the key from `keys create --json` output: one JSON document, or its last JSON line. */
export function parseKeyOutput(stdout: string): string {
  const candidates = [stdout, ...stdout.trim().split("\n").reverse()];
  for (const text of candidates) {
    try {
      const parsed = JSON.parse(text) as { key?: unknown };
      if (typeof parsed.key === "string" && parsed.key.length > 0) return parsed.key;
    } catch {
      // Not JSON: a log line printed before the result.
    }
  }
  throw new Error(`nexus keys create printed no JSON with a "key" field: ${stdout.slice(0, 200)}`);
}

export function nexusHeaders(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

/**
 * Creating the key before `up` works whether the gateway reads keys at boot or per request.
 * Set false if `keys create` ever needs the running gateway.
 */
export const CREATE_KEY_BEFORE_UP = true;
