import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateConfig } from "../../runtime/config/load.ts";
import { createVirtualKey } from "../../runtime/identity/keys/create.ts";
import { createLogger } from "../../runtime/observability/log.ts";
import { startGateway } from "../../services/gateway/src/server.ts";

export const KEY_ENV = "NEXUS_BENCH_GATEWAY_KEY";

/** A gateway on loopback with a virtual key that may use every model. */
export interface BenchGateway {
  url: string;
  key: string;
  stop(): Promise<void>;
}

/**
 * Starts a gateway on port 0 in this process, with `gpt-test` on one simulated OpenAI target
 * and `gpt-routed` as a fallback route over two targets, plus `extra` top-level config.
 */
export async function startBenchGateway(
  simulatorUrl: string,
  extra: Record<string, unknown>,
): Promise<BenchGateway> {
  process.env[KEY_ENV] = "bench";
  const dataDir = mkdtempSync(join(tmpdir(), "nexus-bench-gateway-"));
  const target = { provider: "openai", upstreamModel: "gpt-4o-mini" };
  const raw: Record<string, unknown> = {
    server: { host: "127.0.0.1", port: 0 },
    dataDir,
    providers: {
      openai: { type: "openai", baseUrl: `${simulatorUrl}/openai/v1`, apiKeyEnv: KEY_ENV },
      backup: { type: "openai", baseUrl: `${simulatorUrl}/openai/v1`, apiKeyEnv: KEY_ENV },
    },
    models: {
      "gpt-test": { ...target, price: { inputPerMTok: 0.15, outputPerMTok: 0.6 } },
      "gpt-routed": {
        targets: [target, { provider: "backup", upstreamModel: "gpt-4o-mini" }],
        routing: { strategy: "fallback" },
      },
    },
    ...extra,
  };

  const loaded = validateConfig(raw, join(dataDir, "nexus.config.yaml"));
  const gateway = await startGateway(loaded, { logger: createLogger(() => {}), port: 0 });
  const { context } = gateway;
  const key = await createVirtualKey(context.keys, context.hmacSecret,
    { org: "acme", models: ["*"] });
  return {
    url: gateway.url,
    key: key.secret,
    stop: async () => {
      await gateway.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
