// Preload for Node peers (node --require ./loopback-preload.cjs): a listen() call that names no
// host binds 127.0.0.1 instead of every interface. Portkey's gateway 1.15.2 has no host option,
// and the benchmark must not open ports beyond loopback.
"use strict";

const net = require("node:net");

const LOOPBACK = "127.0.0.1";
const originalListen = net.Server.prototype.listen;

function isPort(value) {
  return typeof value === "number" || (typeof value === "string" && /^\d+$/.test(value));
}

function withLoopbackHost(args) {
  const first = args[0];

  // listen(), listen(callback): an ephemeral port on every interface.
  if (args.length === 0 || typeof first === "function") return [0, LOOPBACK, ...args];

  // listen(port[, host][, backlog][, callback]); @hono/node-server passes host as undefined.
  if (isPort(first)) {
    if (args[1] === undefined || args[1] === null) return [first, LOOPBACK, ...args.slice(2)];
    if (typeof args[1] !== "string") return [first, LOOPBACK, ...args.slice(1)];
    return args;
  }

  // listen(options[, callback]) with a TCP port but no host; a path or handle stays as it is.
  const isTcpOptions = first !== null && typeof first === "object" && "port" in first;
  if (isTcpOptions && first.host === undefined && first.path === undefined) {
    return [{ ...first, host: LOOPBACK }, ...args.slice(1)];
  }
  return args;
}

net.Server.prototype.listen = function listenOnLoopback(...args) {
  return originalListen.apply(this, withLoopbackHost(args));
};
