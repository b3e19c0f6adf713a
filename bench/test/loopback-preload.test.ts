import { describe, expect, test } from "bun:test";
import { join } from "node:path";

const preload = join(import.meta.dir, "..", "servers", "loopback-preload.cjs");

// Each call runs in Node with the preload, prints the bound address and closes the server.
const calls = [
  { name: "listen(0, cb)", code: "server.listen(0, report)" },
  { name: "listen(cb)", code: "server.listen(report)" },
  { name: "listen(0, undefined, cb)", code: "server.listen(0, undefined, report)" },
  { name: "listen(0, 511, cb)", code: "server.listen(0, 511, report)" },
  { name: "listen({ port: 0 }, cb)", code: "server.listen({ port: 0 }, report)" },
  { name: "listen(0, host, cb)", code: "server.listen(0, '127.0.0.1', report)" },
];

describe("loopback preload", () => {
  for (const { name, code } of calls) {
    test(`${name} binds 127.0.0.1`, () => {
      const script = [
        "const server = require('node:net').createServer();",
        "const report = () => { console.log(server.address().address); server.close(); };",
        code,
      ].join("\n");
      const result = Bun.spawnSync(["node", "--require", preload, "-e", script]);
      expect(result.stderr.toString()).toBe("");
      expect(result.stdout.toString().trim()).toBe("127.0.0.1");
    });
  }
});
