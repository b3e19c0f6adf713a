import { afterAll, describe, expect, test } from "bun:test";
import { NatsChangeSignals } from "../../runtime/bus/nats-change-signals.ts";
import { embedNextAs, turnedVector } from "../support/embedding-reply.ts";
import { eventually } from "../support/harness.ts";
import { openNatsForTest } from "../support/nats.ts";
import { openValkeyForTest } from "../support/valkey.ts";
import { startValkeyCacheNode, type ValkeyCacheNode } from "../support/valkey-cache-node.ts";

/**
 * Two running gateway nodes whose caches share one Valkey key prefix and one NATS change
 * subject prefix, as two production nodes do. Both call the first node's simulator.
 */
const SEMANTIC = {
  enabled: true,
  ttlSeconds: 60,
  semantic: { enabled: true, embeddingModel: "embed-test", threshold: 0.95 },
};
const DIMENSIONS = 8;

interface Node extends ValkeyCacheNode {
  signals: NatsChangeSignals;
}

const valkey = await openValkeyForTest();
const nats = await openNatsForTest();
const nodes: Node[] = [];

afterAll(async () => {
  for (const node of nodes) {
    await node.cache.close();
    await node.signals.close();
    await node.harness.close();
  }
  await valkey?.close();
  await nats?.close();
});

async function startNode(simulatorUrl?: string): Promise<Node> {
  const nc = await nats!.connect();
  let signals!: NatsChangeSignals;
  const started = await startValkeyCacheNode(valkey!, {
    cache: SEMANTIC,
    simulatorUrl,
    signals: async (harness) => {
      const { logger } = harness.gateway.context;
      signals = new NatsChangeSignals(nc, nats!.names.changeSubjectPrefix, logger);
      return signals;
    },
  });
  // The server has the sync's subscription once this round trip is done.
  await nc.flush();
  await started.cache.semantic!.ready;
  const node = { ...started, signals };
  nodes.push(node);
  return node;
}

function chat(node: Node, key: string, content: string): Promise<Response> {
  return fetch(`${node.harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content }] }),
  });
}

function turned(angle: number): number[] {
  return turnedVector(DIMENSIONS, angle);
}

describe.skipIf(valkey === null || nats === null)("semantic cache across running nodes", () => {
  test("entry hits on other node", async () => {
    const a = await startNode();
    const b = await startNode(a.harness.simulator.url);
    const embedAs = (vector: number[]): void => embedNextAs(a.harness.simulator, vector);
    // Node b is running, with an empty index, before node a stores anything.
    expect(b.cache.semantic!.index.size).toBe(0);

    const aKey = await a.harness.createKey({ org: "acme" });
    embedAs(turned(0));
    const first = await chat(a, aKey, "capital of France");
    const content = (await first.json()).choices[0].message.content as string;
    expect(first.headers.get("x-nexus-cache")).toBe("miss");
    await eventually(() => b.cache.semantic!.index.size === 1 || undefined, 5_000);

    const bKey = await b.harness.createKey({ org: "acme" });
    embedAs(turned(0.1));
    const paraphrase = await chat(b, bKey, "France's capital city");
    expect(paraphrase.headers.get("x-nexus-cache")).toBe("semantic-hit");
    expect((await paraphrase.json()).choices[0].message.content).toBe(content);

    // Another org on node b finds nothing of acme's entry.
    const betaKey = await b.harness.createKey({ org: "beta" });
    embedAs(turned(0.1));
    const other = await chat(b, betaKey, "France's capital city");
    await other.json();
    expect(other.headers.get("x-nexus-cache")).toBe("miss");
  }, 20_000);
});
