import { afterAll, describe, expect, test } from "bun:test";
import { startBareProxy } from "../servers/bare-proxy.ts";
import { startMockUpstream } from "../servers/mock-upstream.ts";

const upstream = startMockUpstream({ port: 0, firstByteMs: 0, chunkGapMs: 0, chunks: 4 });
const proxy = startBareProxy(0, `http://127.0.0.1:${upstream.port}`);
afterAll(() => {
  proxy.stop(true);
  upstream.stop(true);
});

async function bodyVia(port: number | undefined, path: string, body: string) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method: "POST", body });
  return { status: response.status, text: await response.text() };
}

describe("bare proxy", () => {
  const cases = [
    { name: "json body", path: "/v1/chat/completions", body: '{"model":"m"}' },
    { name: "stream body", path: "/v1/chat/completions", body: '{"model":"m","stream":true}' },
    { name: "upstream 404", path: "/v1/missing", body: "{}" },
  ];
  for (const { name, path, body } of cases) {
    test(`passes ${name} through unchanged`, async () => {
      const direct = await bodyVia(upstream.port, path, body);
      const proxied = await bodyVia(proxy.port, path, body);
      expect(proxied.status).toBe(direct.status);
      expect(proxied.text).toBe(direct.text);
    });
  }
});
