// The smallest useful gateway: Bun.serve in front of fetch, no parsing, no hooks. It marks the
// floor that any Bun-based gateway pays for one extra HTTP hop.
//
// Run as its own process: bun servers/bare-proxy.ts --port N --upstream http://127.0.0.1:M
import { parseArgs } from "node:util";

// Hop-by-hop headers are not forwarded by a proxy (RFC 9110, section 7.6.1).
const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "upgrade", "host"];

/** Starts the proxy on 127.0.0.1; every request goes to `upstream` with the same path. */
export function startBareProxy(port: number, upstream: string) {
  return Bun.serve({
    hostname: "127.0.0.1",
    port,
    async fetch(request) {
      const url = new URL(request.url);
      const headers = new Headers(request.headers);
      for (const name of HOP_BY_HOP) headers.delete(name);

      const body = request.method === "GET" ? undefined : await request.arrayBuffer();
      const init = { method: request.method, headers, body };
      const response = await fetch(upstream + url.pathname + url.search, init);
      return new Response(response.body, { status: response.status, headers: response.headers });
    },
  });
}

if (import.meta.main) {
  const options = { port: { type: "string", default: "0" }, upstream: { type: "string" } } as const;
  const { values } = parseArgs({ args: Bun.argv.slice(2), options });
  if (values.upstream === undefined) throw new Error("missing --upstream http://127.0.0.1:PORT");
  const server = startBareProxy(Number(values.port), values.upstream);
  console.log(JSON.stringify({ event: "listening", port: server.port }));
}
