import { dirname } from "node:path";
import {
  captureSettings, type CaptureSettings, isCaptured,
} from "../../../runtime/audit/capture-config.ts";
import type { CapturedBodies, InlineBodies } from "../../../runtime/audit/capture-record.ts";
import { captureStoreOf } from "../../../runtime/audit/capture-store.ts";
import {
  CaptureWriter, type FinishedBody, type SpillTarget,
} from "../../../runtime/audit/capture-writer.ts";
import { type BodyPart, SpillStore } from "../../../runtime/audit/spill-store.ts";
import type { EventStore } from "../../../runtime/audit/traffic-event.ts";
import type { LoadedConfig } from "../../../runtime/config/load.ts";
import type { Principal } from "../../../runtime/hooks/stage.ts";
import { describeError } from "../../../runtime/observability/log.ts";
import { readRawRequest } from "./capture-raw-request.ts";
import { issuedVault } from "./compliance/vaults.ts";
import type { GatewayContext } from "./context.ts";
import type { RequestRecord } from "./request-record.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The form a string takes inside JSON text, which is how values appear in captured bodies. */
const jsonEscape = (value: string): string => JSON.stringify(value).slice(1, -1);

/** The capture settings and spill target of one loaded config, built on first use. */
export interface CaptureSetup {
  settings: CaptureSettings;
  /**
   * Target of the bytes past the inline part. In production it is PostgreSQL, so every node
   * can read them. On the embedded store it is the spill folder.
   */
  spill: SpillTarget;
}

const setups = new WeakMap<LoadedConfig, CaptureSetup>();

/**
 * Largest inline part per body when events travel through NATS (production). An event's
 * message is at most 1 MiB, and two bodies of 256 KiB take about 683 KiB in base64, which
 * leaves room for the rest of the event. The bytes past it go to PostgreSQL as spill rows.
 */
export const BUS_MAX_INLINE_BYTES = 256 * 1024;

export function captureSetup(loaded: LoadedConfig, events: EventStore): CaptureSetup {
  let setup = setups.get(loaded);
  if (setup === undefined) {
    const settings = captureSettings(loaded.config.capture, loaded.dataDir, dirname(loaded.path));
    const inStore = captureStoreOf(events);
    setup = inStore === null
      ? { settings, spill: new SpillStore(settings.spillDir) }
      : {
        settings: {
          ...settings,
          maxInlineBytes: Math.min(settings.maxInlineBytes, BUS_MAX_INLINE_BYTES),
        },
        spill: inStore.spill,
      };
    setups.set(loaded, setup);
  }
  return setup;
}

/** The fields `RequestRecord.finish` adds to the traffic event. */
export interface CaptureResult {
  capture: CapturedBodies;
  captureInline: InlineBodies;
}

/**
 * Starts body capture for a request when the config turns it on, and attaches it to the record,
 * which finishes it with the event. Call it before the body is read: raw capture copies the body
 * as it arrives. Returns null when capture is off.
 */
export function openCapture(
  context: GatewayContext,
  record: RequestRecord,
  request: Request,
): RequestCapture | null {
  const setup = captureSetup(context.loaded, context.events);
  if (!setup.settings.enabled) return null;

  const raw = setup.settings.mode === "raw"
    ? readRawRequest(request, {
      spill: setup.spill,
      requestId: record.requestId,
      maxInlineBytes: setup.settings.maxInlineBytes,
      limitBytes: context.maxBodyBytes,
    })
    : null;
  const capture = new RequestCapture(context, setup, record, raw);
  record.capture = capture;
  return capture;
}

/**
 * The body capture of one request. A failure to write a body is logged with the request id
 * (never the body) and drops that body rather than failing the request.
 */
export class RequestCapture {
  readonly #context: GatewayContext;
  readonly #setup: CaptureSetup;
  readonly #record: RequestRecord;
  readonly #raw: Promise<CaptureWriter | null> | null;
  #inScope = false;
  #request: CaptureWriter | null = null;
  #response: CaptureWriter | null = null;
  /** Redacted mode: the JSON response, serialised at finish to include response-stage edits. */
  #answer: { value: unknown } | null = null;
  #requestSeen = false;
  /** The request's principal, whose token vault redacted mode uses on the response. */
  #principal: Principal | null = null;
  #streaming = false;
  /** Parts whose capture failed; a failed stream is not restarted mid-way. */
  readonly #failed = new Set<BodyPart>();
  #finished = false;

  constructor(
    context: GatewayContext,
    setup: CaptureSetup,
    record: RequestRecord,
    raw: Promise<CaptureWriter | null> | null,
  ) {
    this.#context = context;
    this.#setup = setup;
    this.#record = record;
    this.#raw = raw;
  }

  /**
   * Decides from the record's key whether this request is captured and, if so, captures its
   * body: the admitted body after the request stage's redactions, or in raw mode the bytes
   * received. Call it once admission (which authenticates the key) succeeded, with the
   * principal admission returned, so redacted mode can tokenize restored values in the response.
   */
  async request(body: unknown, principal: Principal | null = null): Promise<void> {
    this.#requestSeen = true;
    this.#principal = principal;
    const key = this.#record.key;
    this.#inScope = key !== null && isCaptured(this.#setup.settings, {
      org: key.org,
      project: key.project,
      keyId: key.id,
    });
    if (this.#raw !== null) {
      const writer = await this.#raw;
      if (this.#inScope && !this.#finished) this.#request = writer;
      else writer?.discard();
      if (this.#inScope && writer === null) this.#warn("request", "the body could not be read");
      return;
    }
    if (!this.#inScope) return;
    this.#request = this.#capture("request", "application/json", JSON.stringify(body));
  }

  /**
   * Captures a JSON response. Call it before the response stage runs: raw mode serialises it
   * now, and redacted mode at finish, after the stage's in-place edits.
   */
  response(answer: unknown): void {
    if (!this.#inScope) return;
    if (this.#setup.settings.mode === "redacted") {
      this.#answer = { value: answer };
      return;
    }
    this.#response = this.#capture("response", "application/json", JSON.stringify(answer));
  }

  /** Captures a JSON response that is already text, as relayed to the client. */
  responseText(text: string): void {
    if (!this.#inScope) return;
    this.#response = this.#capture("response", "application/json", this.#tokenized(text));
  }

  /**
   * Appends bytes of an SSE stream as sent to the client. Each call must carry whole SSE events
   * (the relay passes one encoded string per call), because redacted mode turns restored values
   * back into tokens per call.
   * NOTE: raw mode stores these bytes too, so a stream is captured after response-stage
   * redaction in both modes. Spill writes are synchronous (one per 64 KiB) on the relay's pull.
   */
  streamed(bytes: Uint8Array): void {
    if (!this.#inScope || this.#finished || this.#failed.has("response")) return;
    try {
      this.#streaming = true;
      this.#response ??= this.#writer("response", "text/event-stream");
      this.#response.write(this.#tokenizedBytes(bytes));
    } catch (error) {
      this.#drop("response", error);
    }
  }

  /** Ends the capture; returns what goes into the event, or null when nothing was captured. */
  finish(status: number): CaptureResult | null {
    if (this.#finished) return null;
    this.#finished = true;
    // A request rejected before admission never claimed its raw copy; delete any spill of it.
    if (!this.#requestSeen) void this.#raw?.then((writer) => writer?.discard());
    if (!this.#inScope) return null;

    // A failed request's response is not captured in redacted mode: a response stage may have
    // blocked it before redacting it.
    if (this.#answer !== null && status < 400) {
      this.#response = this.#capture("response", "application/json",
        this.#tokenized(JSON.stringify(this.#answer.value)));
    }
    const request = this.#end("request", this.#request, true);
    // A stream that did not end with status 200 was cut or failed mid-way.
    const response = this.#end("response", this.#response, !this.#streaming || status < 400);
    if (request === null && response === null) return null;
    return {
      capture: {
        mode: this.#setup.settings.mode,
        request: request?.body ?? null,
        response: response?.body ?? null,
        prunedAt: null,
      },
      captureInline: { request: request?.inline ?? null, response: response?.inline ?? null },
    };
  }

  /**
   * In redacted mode, replaces the values that the request's tokenization replaced, and a
   * response stage restored for the client, with their tokens again. Raw mode keeps them.
   */
  #tokenized(text: string): string {
    if (this.#setup.settings.mode !== "redacted") return text;
    const vault = issuedVault(this.#principal);
    return vault === null ? text : vault.retokenize(text, jsonEscape);
  }

  #tokenizedBytes(bytes: Uint8Array): Uint8Array {
    if (this.#setup.settings.mode !== "redacted" || issuedVault(this.#principal) === null) {
      return bytes;
    }
    return encoder.encode(this.#tokenized(decoder.decode(bytes)));
  }

  #writer(part: BodyPart, contentType: string): CaptureWriter {
    return new CaptureWriter({
      spill: this.#setup.spill,
      requestId: this.#record.requestId,
      part,
      contentType,
      maxInlineBytes: this.#setup.settings.maxInlineBytes,
    });
  }

  #capture(part: BodyPart, contentType: string, text: string): CaptureWriter | null {
    const writer = this.#writer(part, contentType);
    try {
      writer.write(encoder.encode(text));
      return writer;
    } catch (error) {
      writer.discard();
      this.#drop(part, error);
      return null;
    }
  }

  #end(part: BodyPart, writer: CaptureWriter | null, complete: boolean): FinishedBody | null {
    if (writer === null) return null;
    try {
      return writer.finish(complete);
    } catch (error) {
      writer.discard();
      this.#drop(part, error);
      return null;
    }
  }

  #drop(part: BodyPart, error: unknown): void {
    this.#failed.add(part);
    if (part === "response") this.#response = null;
    else this.#request = null;
    this.#warn(part, describeError(error));
  }

  #warn(part: BodyPart, reason: string): void {
    this.#context.logger.log("warn", "capture.failed", {
      request_id: this.#record.requestId,
      part,
      error: reason,
    });
  }
}
