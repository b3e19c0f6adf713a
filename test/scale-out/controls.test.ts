import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type NodeProcess, type ScaleOutCluster, startScaleOut } from "./support.ts";
import { sendChat } from "./traffic.ts";

/** A change made through the CLI on one node must reach every node within this time. */
const PROPAGATION_MS = 1000;
const POLL_MS = 25;

let cluster: ScaleOutCluster | null = null;

beforeAll(async () => {
  cluster = await startScaleOut();
}, 60_000);

afterAll(async () => {
  await cluster?.close();
}, 30_000);

/**
 * Polls one gateway with `key` until it responds with `status`, and returns the time that took
 * from `since` in ms, or Infinity when the status did not change within twice the allowed time.
 */
async function msUntilStatus(node: NodeProcess, key: string, status: number,
  since: number): Promise<number> {
  while (performance.now() - since < PROPAGATION_MS * 2) {
    const outcome = await sendChat({ url: node.url, key, timeoutMs: 2000 });
    if (outcome.status === status) return performance.now() - since;
    await Bun.sleep(POLL_MS);
  }
  return Infinity;
}

async function expectAnswersOnEveryNode(key: string): Promise<void> {
  for (const node of cluster!.gateways) {
    const outcome = await sendChat({ url: node.url, key });
    expect(outcome.status).toBe(200);
  }
}

describe("controls across three gateways", () => {
  test("revoked key stops on every node within 1 s", async () => {
    if (cluster === null) return;
    const { id, secret } = await cluster.createKey();
    // Every node has now looked the key up, and caches what it found.
    await expectAnswersOnEveryNode(secret);

    const revoke = await cluster.cli(["keys", "revoke", id]);
    expect(revoke.code).toBe(0);
    const since = performance.now();
    const delays = await Promise.all(cluster.gateways.map((node) =>
      msUntilStatus(node, secret, 401, since)));
    for (const delay of delays) expect(delay).toBeLessThanOrEqual(PROPAGATION_MS);

    const outcome = await sendChat({ url: cluster.gateways[2]!.url, key: secret });
    expect(outcome.errorCode).toBe("api_key_revoked");
  }, 20_000);

  test("kill switch reaches every node within 1 s", async () => {
    if (cluster === null) return;
    const { secret } = await cluster.createKey("globex");
    await expectAnswersOnEveryNode(secret);

    const engage = await cluster.cli(["kill", "engage", "--global", "--reason", "scale-out test"]);
    expect(engage.code).toBe(0);
    const since = performance.now();
    const delays = await Promise.all(cluster.gateways.map((node) =>
      msUntilStatus(node, secret, 503, since)));
    for (const delay of delays) expect(delay).toBeLessThanOrEqual(PROPAGATION_MS);

    const outcome = await sendChat({ url: cluster.gateways[1]!.url, key: secret });
    expect(outcome.errorCode).toBe("kill_switch_engaged");

    const lift = await cluster.cli(["kill", "lift", "--global"]);
    expect(lift.code).toBe(0);
  }, 20_000);
});
