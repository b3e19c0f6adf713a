/**
 * Compresses body parts into one gzip stream with a sync flush after each part, as a
 * provider's streaming gzip does. A client can then inflate every event as soon as it
 * arrives, and a connection cut between parts leaves a valid but unfinished gzip stream.
 */

import { constants, createGzip, type Gzip } from "node:zlib";

/** Returns one compressed piece per input part; the last piece carries the gzip trailer. */
export async function gzipParts(parts: Uint8Array[]): Promise<Uint8Array[]> {
  const gzip = createGzip();
  const output: Buffer[] = [];
  gzip.on("data", (chunk: Buffer) => output.push(chunk));

  const pieces: Uint8Array[] = [];
  for (const part of parts) {
    gzip.write(part);
    await flush(gzip);
    pieces.push(Buffer.concat(output.splice(0)));
  }

  // "end" fires once the readable side has emitted every byte, trailer included.
  await new Promise<void>((resolve, reject) => {
    gzip.once("error", reject);
    gzip.once("end", resolve);
    gzip.end();
  });
  const trailer = Buffer.concat(output.splice(0));
  if (pieces.length === 0) return [trailer];

  pieces[pieces.length - 1] = Buffer.concat([pieces[pieces.length - 1]!, trailer]);
  return pieces;
}

function flush(gzip: Gzip): Promise<void> {
  return new Promise((resolve) => gzip.flush(constants.Z_SYNC_FLUSH, () => resolve()));
}
