/**
 * Metadata of one captured body. The first `inlineBytes` bytes are stored in the event row and
 * the remaining `size - inlineBytes` bytes in the spill file `spill`.
 */
export interface CapturedBody {
  /** `application/json` for JSON bodies, `text/event-stream` for the SSE bytes of a stream. */
  contentType: string;
  /** Total size of the body in bytes. */
  size: number;
  /** Hex SHA-256 of the whole body (inline part followed by the spill part). */
  sha256: string;
  inlineBytes: number;
  /** Name of the spill file within the spill folder, or null when the body fits inline. */
  spill: string | null;
  /** False when the stream ended early (client gone, cut, failure), so the body is partial. */
  complete: boolean;
  /**
   * True when the publisher dropped the inline part because the event exceeded the NATS
   * message size limit (shrink-event.ts), so the stored body lacks its first `inlineBytes`.
   */
  inlineDropped?: boolean;
  /**
   * Content coding of the stored bytes (`gzip`, `deflate` or `br`) when raw mode stored a
   * compressed request as received. Absent for bytes stored uncompressed.
   */
  contentEncoding?: string;
}

/** The body capture of one traffic event. */
export interface CapturedBodies {
  /** `redacted`: after the compliance pipeline's edits; `raw`: as received. */
  mode: "redacted" | "raw";
  request: CapturedBody | null;
  response: CapturedBody | null;
  /** Epoch milliseconds when retention deleted the bodies; the metadata above stays. */
  prunedAt: number | null;
}

/** The inline parts of a capture, written with the event and not read back by `get`/`list`. */
export interface InlineBodies {
  request: Uint8Array | null;
  response: Uint8Array | null;
}
