import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ComplianceConfig } from "../../runtime/hooks/config-schema.ts";
import { validateConfig } from "../../runtime/config/load.ts";
import { createVirtualKey } from "../../runtime/identity/keys/create.ts";
import { createLogger } from "../../runtime/observability/log.ts";
import { startGateway } from "../../services/gateway/src/server.ts";
import { startSimulator } from "../../test/simulator/server.ts";
import { createHdrHistogram } from "../lib/hdr-histogram.ts";

const KEY_ENV = "NEXUS_BENCH_COMPLIANCE_KEY";

/**
 * Latency of sequential JSON chat requests through two gateways on loopback, one without
 * compliance and one with `pipeline`, alternating so that both see the same machine state.
 */
export async function measureGateway(pipeline: ComplianceConfig, prompt: string, count: number) {
  process.env[KEY_ENV] = "bench";
  const simulator = await startSimulator({ port: 0, hostname: "127.0.0.1" });
  const plain = await gatewayWith(simulator.url, null);
  const checked = await gatewayWith(simulator.url, pipeline);
  const results = { without: createHdrHistogram(), with: createHdrHistogram() };

  try {
    for (let i = 0; i < count + 100; i += 1) {
      for (const [name, gateway] of [["without", plain], ["with", checked]] as const) {
        const micros = await timeOne(gateway.url, gateway.key, prompt);
        if (i >= 100) results[name].recordValue(Math.max(1, Math.round(micros)));
      }
    }
  } finally {
    await plain.stop();
    await checked.stop();
    await simulator.close();
  }
  const of = (histogram: ReturnType<typeof createHdrHistogram>) => ({
    p50: histogram.getValueAtPercentile(50),
    p99: histogram.getValueAtPercentile(99),
    max: histogram.maxValue,
  });
  return { without: of(results.without), with: of(results.with) };
}

async function gatewayWith(simulatorUrl: string, compliance: ComplianceConfig | null) {
  const dataDir = mkdtempSync(join(tmpdir(), "nexus-bench-compliance-"));
  const raw: Record<string, unknown> = {
    server: { host: "127.0.0.1", port: 0 },
    dataDir,
    providers: {
      openai: { type: "openai", baseUrl: `${simulatorUrl}/openai/v1`, apiKeyEnv: KEY_ENV },
    },
    models: { "gpt-test": { provider: "openai", upstreamModel: "gpt-4o-mini" } },
  };
  if (compliance !== null) raw.compliance = compliance;
  const loaded = validateConfig(raw, join(dataDir, "nexus.config.yaml"));
  const gateway = await startGateway(loaded, { logger: createLogger(() => {}), port: 0 });
  const { context } = gateway;
  const key = createVirtualKey(context.keys, context.hmacSecret, { org: "acme", models: ["*"] });
  return {
    url: gateway.url,
    key: key.secret,
    stop: async () => {
      await gateway.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function timeOne(url: string, key: string, prompt: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: prompt }] }),
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`bench request failed: ${response.status}`);
  return (performance.now() - started) * 1000;
}
