import { describe, expect, test } from "bun:test";
import { isLoopbackAddress, parseListeners } from "../lib/wait-ready.ts";

describe("listener checks", () => {
  test("parseListeners groups addresses by pid", () => {
    const output = [
      'LISTEN 0      511        127.0.0.1:41234      0.0.0.0:*    users:(("node",pid=123,fd=20))',
      'LISTEN 0      128                *:3000             *:*    users:(("bun",pid=77,fd=9))',
      'LISTEN 0      128        127.0.0.1:41235      0.0.0.0:*    users:(("node",pid=123,fd=21))',
      "LISTEN 0      4096   127.0.0.53%lo:53         0.0.0.0:*",
    ].join("\n");
    const listeners = parseListeners(output);
    expect(listeners.get(123)).toEqual(["127.0.0.1:41234", "127.0.0.1:41235"]);
    expect(listeners.get(77)).toEqual(["*:3000"]);
    expect(listeners.size).toBe(2);
  });

  const addresses: [string, boolean][] = [
    ["127.0.0.1:80", true],
    ["127.0.0.53:53", true],
    ["[::1]:8080", true],
    ["0.0.0.0:8080", false],
    ["*:3000", false],
    ["[::]:3000", false],
    ["10.0.0.5:443", false],
  ];
  for (const [address, loopback] of addresses) {
    test(`${address} is ${loopback ? "" : "not "}loopback`, () => {
      expect(isLoopbackAddress(address)).toBe(loopback);
    });
  }
});
