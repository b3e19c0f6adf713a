/** One record per request that reached the gateway, successful or not. */
export interface TrafficEvent {
  requestId: string;
  /** Epoch milliseconds when the request arrived. */
  time: number;
  keyId: string | null;
  org: string | null;
  project: string | null;
  /** Inbound route, e.g. `/v1/chat/completions`. */
  route: string;
  provider: string | null;
  /** The model name the client asked for. */
  model: string | null;
  upstreamModel: string | null;
  stream: boolean;
  status: number;
  errorCode: string | null;
  latencyMs: number;
  /** Time to the first content chunk sent to the client, for streams. */
  ttftMs: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cachedTokens: number | null;
  cacheWriteTokens: number | null;
  reasoningTokens: number | null;
  costUsd: number | null;
  /** Free-form facts that have no column yet, such as the upstream status or error message. */
  detail: Record<string, unknown>;
}

/** Persistence of traffic events; the embedded and production stores both implement it. */
export interface EventStore {
  /** Writes every event in one transaction; throws when nothing was written. */
  insertBatch(events: readonly TrafficEvent[]): void;
  list(filter: EventFilter): TrafficEvent[];
  get(requestId: string): TrafficEvent | undefined;
}

export interface EventFilter {
  limit: number;
  keyId?: string;
  org?: string;
  /** Epoch milliseconds; only events at or after it. */
  since?: number;
}
