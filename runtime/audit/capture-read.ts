import { createHash } from "node:crypto";
import type { CapturedBodies, CapturedBody } from "./capture-record.ts";
import type { CaptureStore } from "./capture-store.ts";

/** One captured body put back together from its inline part and its spill file. */
export interface LoadedBody {
  meta: CapturedBody;
  /** The reassembled bytes, or null when retention deleted them. */
  bytes: Uint8Array | null;
  /** The reason the bytes are missing or wrong; null when they match size and SHA-256. */
  problem: string | null;
}

export interface LoadedBodies {
  request: LoadedBody | null;
  response: LoadedBody | null;
}

/**
 * Loads the captured bodies of an event: the inline part from its row, the rest from its spill,
 * through the store's CaptureStore. Each body is checked against its recorded size and SHA-256.
 */
export async function loadCapturedBodies(
  store: Pick<CaptureStore, "readInline" | "readSpill">,
  requestId: string,
  capture: CapturedBodies,
): Promise<LoadedBodies> {
  const row = await store.readInline(requestId);
  const pruned = capture.prunedAt !== null;
  return {
    request: await loadBody(store, capture.request, row?.request ?? null, pruned),
    response: await loadBody(store, capture.response, row?.response ?? null, pruned),
  };
}

async function loadBody(
  store: Pick<CaptureStore, "readSpill">,
  meta: CapturedBody | null,
  inline: Uint8Array | null,
  pruned: boolean,
): Promise<LoadedBody | null> {
  if (meta === null) return null;
  if (pruned) return { meta, bytes: null, problem: "deleted by retention" };
  if (meta.inlineDropped === true) {
    const problem = `the inline part (first ${meta.inlineBytes} bytes) was dropped because `
      + "the event exceeded the NATS message size limit";
    return { meta, bytes: null, problem };
  }

  const parts = [inline ?? new Uint8Array(0)];
  if (meta.spill !== null) {
    const spilled = await store.readSpill(meta.spill);
    if (spilled === null) {
      return { meta, bytes: null, problem: `spill file ${meta.spill} is missing` };
    }
    parts.push(spilled);
  }
  const bytes = new Uint8Array(Buffer.concat(parts));

  const sha256 = createHash("sha256").update(bytes).digest("hex");
  let problem: string | null = null;
  if (bytes.byteLength !== meta.size) {
    problem = `size is ${bytes.byteLength} bytes, expected ${meta.size}`;
  } else if (sha256 !== meta.sha256) {
    problem = `SHA-256 is ${sha256}, expected ${meta.sha256}`;
  }
  return { meta, bytes, problem };
}
