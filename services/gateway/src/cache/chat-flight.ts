import type { ChatRequest } from "../../../../runtime/canonical/chat.ts";
import { Broadcast } from "../../../../runtime/cache/broadcast.ts";
import type { ResolvedModel } from "../../../../runtime/config/models.ts";
import type { DecodeContext, ProviderCodec, Target } from
  "../../../../runtime/providers/codec.ts";
import type { RequestRecord } from "../request-record.ts";
import { withRequiredNulls } from "../required-nulls.ts";
import { callUpstream, ClientDisconnected, UpstreamAbort, upstreamFailure } from
  "../upstream/call.ts";
import { readUpstreamJson } from "../upstream/read-json.ts";
import { rejectFailedUpstream } from "../upstream/reject-failed.ts";
import { requireEventStream } from "../upstream/require-event-stream.ts";
import type { FlightItem } from "./chat-cache.ts";

const DEFAULT_TIMEOUT_MS = 600_000;

export interface FlightCall {
  codec: ProviderCodec;
  target: Target;
  resolved: ResolvedModel;
  body: ChatRequest;
  /** The record of the request that started the call; it gets the upstream status. */
  record: RequestRecord;
}

/**
 * One upstream chat call shared by every request that joins it. Its items are the decoded,
 * unchecked answer (one item for JSON, the chunks for a stream). The call is aborted only
 * when every request has left, not when one does. A flight with no upstream call serves a
 * stored answer through the same path.
 */
export class ChatFlight {
  readonly items: Broadcast<FlightItem>;
  /** Credentials obtained during the call, for the records of every request in it. */
  readonly #secrets: string[] = [];
  readonly #records = new Set<RequestRecord>();

  private constructor(abort: UpstreamAbort | null) {
    this.items = new Broadcast<FlightItem>(() => abort?.abort(new ClientDisconnected()));
  }

  /** Starts the upstream call; the caller must subscribe before its next `await`. */
  static call(call: FlightCall): ChatFlight {
    const timeoutMs = call.resolved.provider.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // The call has no client signal of its own; it ends when the last subscriber leaves.
    const abort = new UpstreamAbort(new AbortController().signal, timeoutMs,
      call.resolved.providerId);
    const flight = new ChatFlight(abort);
    flight.addRecord(call.record);
    void flight.#run(call, abort);
    return flight;
  }

  /** A finished flight over stored items. */
  static replay(items: FlightItem[]): ChatFlight {
    const flight = new ChatFlight(null);
    for (const item of items) flight.items.push(item);
    flight.items.end();
    return flight;
  }

  get abandoned(): boolean {
    return this.items.abandoned;
  }

  get state(): "open" | "ended" | "failed" {
    return this.items.state;
  }

  /** Lets a joining request's record redact credentials obtained during the call. */
  addRecord(record: RequestRecord): void {
    this.#records.add(record);
    for (const secret of this.#secrets) record.addSecret(secret);
  }

  async #run(call: FlightCall, abort: UpstreamAbort): Promise<void> {
    const { codec, target, body, resolved } = call;
    const stream = body.stream === true;
    try {
      const upstream = await callUpstream(codec.encodeChatRequest(body, target), abort, {
        codec, target, stream,
        addSecret: (value) => this.#addSecret(value),
      });
      call.record.addDetail("upstream_status", upstream.status);
      await rejectFailedUpstream(upstream, codec);

      const decodeContext: DecodeContext = { clientModel: body.model, request: body };
      if (!stream) {
        const json = await readUpstreamJson(upstream, abort, resolved.providerId);
        abort.clearDeadline();
        this.items.push(withRequiredNulls(codec.decodeChatResponse(json, decodeContext)));
        this.items.end();
        return;
      }

      const source = await requireEventStream(upstream);
      for await (const chunk of codec.decodeChatStream(source, decodeContext)) {
        abort.clearDeadline();
        this.items.push(chunk);
      }
      this.items.end();
    } catch (error) {
      abort.clearDeadline();
      this.items.fail(upstreamFailure(error, abort, resolved.providerId));
    }
  }

  #addSecret(value: string): void {
    this.#secrets.push(value);
    for (const record of this.#records) record.addSecret(value);
  }
}
