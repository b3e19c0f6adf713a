import type { ComplianceConfig } from "../../runtime/hooks/config-schema.ts";
import { startSimulator } from "../../test/simulator/server.ts";
import { startBenchGateway } from "../lib/bench-gateway.ts";
import { createHdrHistogram } from "../lib/hdr-histogram.ts";

/**
 * Measures the latency of sequential JSON chat requests through two gateways on loopback, one without
 * compliance and one with `pipeline`, alternating so that both see the same machine state.
 */
export async function measureGateway(pipeline: ComplianceConfig, prompt: string, count: number) {
  const simulator = await startSimulator({ port: 0, hostname: "127.0.0.1" });
  const plain = await startBenchGateway(simulator.url, {});
  const checked = await startBenchGateway(simulator.url, { compliance: pipeline });
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
