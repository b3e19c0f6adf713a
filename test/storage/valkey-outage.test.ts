import { afterAll, describe, expect, test } from "bun:test";
import { LuaScript } from "../../runtime/storage/valkey/lua-script.ts";
import { startThrowawayValkey, type ThrowawayValkey } from "../support/throwaway-valkey.ts";

/**
 * The client `openValkey` builds, on a redis-server of this test's own: commands fail fast
 * while the server is down or silent, and the client reconnects by itself once it is back.
 */
/** Longest wait for a failed command: the 500 ms command timeout plus scheduling slack. */
const MAX_FAILURE_MS = 900;

const valkey: ThrowawayValkey | null = await startThrowawayValkey();
afterAll(async () => {
  await valkey?.close();
});

/** Returns how long the command took to fail, or throws when it succeeded. */
async function failureMs(command: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  let failed = false;
  await command().catch(() => {
    failed = true;
  });
  expect(failed).toBe(true);
  return performance.now() - started;
}

/** Bursts this size go out in one auto-pipelined write. */
const BURST = 20;

/** Starts `BURST` commands in one event-loop turn and returns how long each took to fail. */
async function burstFailureMs(command: () => Promise<unknown>): Promise<number[]> {
  return await Promise.all(Array.from({ length: BURST }, () => failureMs(command)));
}

describe.skipIf(valkey === null)("Valkey client outage", () => {
  test("script reloads inside a pipeline", async () => {
    const client = valkey!.client;
    expect(client.options.enableAutoPipelining).toBe(true);
    const script = new LuaScript(`return tonumber(ARGV[1]) * 2 .. ':' .. KEYS[1]`);
    // The server on this test's own port loses its cached scripts, as after a restart.
    await client.script("FLUSH");

    const replies = await Promise.all(Array.from({ length: BURST }, (_, i) =>
      script.run(client, [`nexus-outage:${i}`], [i])));
    expect(replies).toEqual(Array.from({ length: BURST }, (_, i) => `${i * 2}:nexus-outage:${i}`));
  });

  test("silent server fails a burst", async () => {
    const client = valkey!.client;
    valkey!.signal("SIGSTOP");
    try {
      for (const ms of await burstFailureMs(() => client.get("nexus-outage:probe"))) {
        expect(ms).toBeLessThan(MAX_FAILURE_MS);
      }
    } finally {
      valkey!.signal("SIGCONT");
    }
    // Replies the stopped server still sends after the timeout go to no command.
    expect(await client.ping()).toBe("PONG");
  });

  test("silent server times out", async () => {
    const client = valkey!.client;
    await client.set("nexus-outage:probe", "1");
    valkey!.signal("SIGSTOP");
    try {
      expect(await failureMs(() => client.get("nexus-outage:probe"))).toBeLessThan(MAX_FAILURE_MS);
    } finally {
      valkey!.signal("SIGCONT");
    }
  });

  test("dead server fails at once", async () => {
    const client = valkey!.client;
    await valkey!.kill();
    for (let i = 0; i < 3; i += 1) {
      expect(await failureMs(() => client.get("nexus-outage:probe"))).toBeLessThan(MAX_FAILURE_MS);
    }
    for (const ms of await burstFailureMs(() => client.get("nexus-outage:probe"))) {
      expect(ms).toBeLessThan(MAX_FAILURE_MS);
    }
  });

  test("client reconnects in background", async () => {
    const client = valkey!.client;
    await valkey!.restart();
    const deadline = Date.now() + 5_000;
    let reply: string | null = null;
    while (reply !== "PONG" && Date.now() < deadline) {
      reply = await client.ping().catch(() => null);
      if (reply !== "PONG") await Bun.sleep(50);
    }
    expect(reply).toBe("PONG");
  });
});
