/**
 * Behaviours: what the simulator does for the next matching request instead of its default
 * synthetic response. Tests queue them in process (`sim.enqueue`) or over HTTP
 * (`POST /__sim/enqueue` with the same JSON).
 */

import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

/** Every provider wire format the simulator can speak, by the path prefix it serves. */
export const PROVIDERS = [
  "openai",
  "anthropic",
  "gemini",
  "cohere",
  "azure",
  "voyage",
  "bedrock",
  "vertex",
  "replicate",
  "compat",
] as const;

export type Provider = (typeof PROVIDERS)[number];

const Count = Type.Integer({ minimum: 0 });

/**
 * A Behaviour has three parts, all optional:
 *
 * - which requests it applies to: `match`, `times`, `sticky`;
 * - where the response comes from: `fixture` (a recorded body), or `status` with optional
 *   `body` and `headers` (an injected response, usually an error), or neither (the synthetic
 *   response, including its auth and validation errors);
 * - faults applied on the wire, to whichever response was chosen.
 *
 * Event-level faults (`cutAfterEvents`, `hangAfterEvents`) count SSE events, or the whole
 * body as one event when the response is not a stream. Byte-level faults (`cutAfterBytes`,
 * `splitWrites`) count bytes on the wire, so they count compressed bytes when gzip is on.
 */
export const BehaviourSchema = Type.Object(
  {
    /** Applies only to requests of this provider and, if set, whose path ends with `path`. */
    match: Type.Optional(
      Type.Object(
        {
          provider: Type.Optional(Type.Union(PROVIDERS.map((name) => Type.Literal(name)))),
          path: Type.Optional(Type.String({ minLength: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Number of matching requests this behaviour serves before it is dropped (default 1). */
    times: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Serves every matching request until `reset()`, ignoring `times`. */
    sticky: Type.Optional(Type.Boolean()),

    /**
     * Path of a recording under the fixtures' `recorded/` folder. It is a simonw-llm `*.N.sse`
     * body, served with the status and headers of interaction N of its `.yaml` cassette, a
     * cassette interaction as `<name>.yaml#N`, or a vercel-ai `*.json`, `*.chunks.txt` or
     * `*.sse` body. See `fixture-replay.ts` for how each kind is framed.
     */
    fixture: Type.Optional(Type.String({ minLength: 1 })),
    /** HTTP status of an injected response. Without `body`, an error status gets the
     *  provider's error body for that status, and a success status the synthetic response. */
    status: Type.Optional(Type.Integer({ minimum: 200, maximum: 599 })),
    /** Injected body: a string is sent as is, anything else as JSON. */
    body: Type.Optional(Type.Unknown()),
    /** Headers set on the response, over the ones the simulator would send. */
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),

    /** Delay in milliseconds before the status line and headers are sent. */
    latencyMs: Type.Optional(Count),
    /**
     * Sends this many events, then resets the connection without the terminating event.
     * NOTE: Bun sends the headers with the first body write. With 0 here, or 0 in
     * `hangAfterEvents`, the client sees the reset or the stall before any headers.
     */
    cutAfterEvents: Type.Optional(Count),
    /** Sends this many body bytes, then resets the connection. */
    cutAfterBytes: Type.Optional(Count),
    /** Writes the body in pieces of this many bytes, yielding to the event loop between
     *  pieces so that UTF-8 characters and SSE lines arrive split across reads. */
    splitWrites: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Delay in milliseconds between two writes (events, or pieces with `splitWrites`). */
    interChunkDelayMs: Type.Optional(Count),
    /** Compresses the body with gzip, flushed after each event, and sets content-encoding. */
    gzip: Type.Optional(Type.Boolean()),
    /** Sends this many events, then stalls until the client goes away (see `disconnects`). */
    hangAfterEvents: Type.Optional(Count),
    /** SSE framing variant of synthetic and re-framed streams: `crlf` ends lines with CRLF;
     *  `padded` drops the space after the field colon and adds comment and blank lines. */
    sseStyle: Type.Optional(Type.Union([Type.Literal("crlf"), Type.Literal("padded")])),
  },
  { additionalProperties: false },
);

export type Behaviour = Static<typeof BehaviourSchema>;

export type SseStyle = NonNullable<Behaviour["sseStyle"]>;

/** Validates an untrusted value as a Behaviour; throws with the first invalid field. */
export function parseBehaviour(value: unknown): Behaviour {
  if (Value.Check(BehaviourSchema, value)) return value;

  const first = Value.Errors(BehaviourSchema, value).First();
  const where = first?.path || "/";
  throw new TypeError(`invalid behaviour at ${where}: ${first?.message ?? "unknown error"}`);
}

interface QueuedBehaviour {
  behaviour: Behaviour;
  remaining: number;
}

/** FIFO of behaviours; each request takes the first one whose `match` fits. */
export class BehaviourQueue {
  #queue: QueuedBehaviour[] = [];

  add(behaviour: Behaviour): void {
    this.#queue.push({ behaviour, remaining: behaviour.times ?? 1 });
  }

  clear(): void {
    this.#queue = [];
  }

  get size(): number {
    return this.#queue.length;
  }

  take(provider: Provider, path: string): Behaviour | undefined {
    const index = this.#queue.findIndex((entry) => matches(entry.behaviour, provider, path));
    if (index === -1) return undefined;

    const entry = this.#queue[index]!;
    if (!entry.behaviour.sticky) {
      entry.remaining -= 1;
      if (entry.remaining === 0) this.#queue.splice(index, 1);
    }
    return entry.behaviour;
  }
}

function matches(behaviour: Behaviour, provider: Provider, path: string): boolean {
  const match = behaviour.match;
  if (match?.provider !== undefined && match.provider !== provider) return false;
  if (match?.path !== undefined && !path.endsWith(match.path)) return false;
  return true;
}
