import { describe, expect, test } from "bun:test";
import { NEXUS_MODEL, nexusConfig, parseKeyOutput } from "../contenders/nexus-setup.ts";

describe("nexus setup", () => {
  const outputs: [string, string][] = [
    ["one line", '{"key":"nx-1","id":"k1"}'],
    ["log line first", 'starting\n{"key":"nx-1"}\n'],
    ["pretty printed", '{\n  "key": "nx-1"\n}\n'],
  ];
  for (const [name, stdout] of outputs) {
    test(`parseKeyOutput reads ${name}`, () => {
      expect(parseKeyOutput(stdout)).toBe("nx-1");
    });
  }

  test("parseKeyOutput rejects output without a key", () => {
    expect(() => parseKeyOutput('{"id":"k1"}')).toThrow('no JSON with a "key" field');
  });

  test("config points the bench model at the mock", () => {
    const input = { port: 4000, upstreamOrigin: "http://127.0.0.1:5000", dataDir: "/d" };
    const config = nexusConfig(input);
    expect(config.server).toEqual({ host: "127.0.0.1", port: 4000 });
    const providers = config.providers as Record<string, { baseUrl: string }>;
    expect(providers.mock!.baseUrl).toBe("http://127.0.0.1:5000/v1");
    const models = config.models as Record<string, { provider: string }>;
    expect(models[NEXUS_MODEL]!.provider).toBe("mock");
  });
});
