/**
 * The provider simulator: a real HTTP server that speaks each provider's wire format, for
 * Nexus's tests and the offline hello-world. Nexus points a provider's base URL at
 * `<url>/<provider>` (`<url>/openai/v1` for OpenAI); `simulated-providers.ts` lists them.
 *
 * Without queued behaviours every request gets a deterministic synthetic response (see
 * `synthetic-answer.ts`). `enqueue` swaps in recorded responses, injected errors or wire
 * faults (see `behaviour.ts`).
 */

import { ADMIN_PREFIX, handleAdmin, type SimulatorControl } from "./admin-api.ts";
import {
  BehaviourQueue,
  parseBehaviour,
  PROVIDERS,
  type Behaviour,
  type Provider,
} from "./behaviour.ts";
import { ConnectionTracker, deliver } from "./deliver.ts";
import { loadFixture, resolveFixture } from "./fixture-replay.ts";
import { IdSource } from "./ids.ts";
import {
  readIncoming,
  toReceived,
  type HandlerContext,
  type IncomingRequest,
  type ReceivedRequest,
} from "./incoming-request.ts";
import { jsonPayload, type Payload } from "./payload.ts";
import { SIMULATED_PROVIDERS } from "./simulated-providers.ts";

export type { Behaviour, Provider } from "./behaviour.ts";
export type { ReceivedRequest } from "./incoming-request.ts";

export interface Simulator {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:3099`. */
  url: string;
  port: number;
  close(): Promise<void>;
  /** Queues a behaviour. Throws when it is invalid or names a missing fixture. */
  enqueue(behaviour: Behaviour): void;
  /** Drops queued behaviours, recorded requests and the disconnect count. */
  reset(): void;
  /** Every provider request received since the last reset, oldest first. */
  readonly requests: ReceivedRequest[];
  /** Requests whose client went away before the response was complete. */
  readonly disconnects: number;
}

export interface SimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  hostname?: string;
}

class SimulatorState implements SimulatorControl {
  readonly queue = new BehaviourQueue();
  readonly requests: ReceivedRequest[] = [];
  readonly ids = new IdSource();
  disconnects = 0;

  get queued(): number {
    return this.queue.size;
  }

  enqueue(behaviour: Behaviour): void {
    const valid = parseBehaviour(behaviour);
    if (valid.fixture !== undefined) resolveFixture(valid.fixture);
    this.queue.add(valid);
  }

  reset(): void {
    this.queue.clear();
    // Emptied in place, so that a reference held by a test stays current.
    this.requests.length = 0;
    this.disconnects = 0;
    this.ids.reset();
  }
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const state = new SimulatorState();
  const server = Bun.serve({
    port: options.port ?? 0,
    hostname: options.hostname ?? "127.0.0.1",
    // Hanging streams must stay open until the client leaves, not Bun's 10 s default.
    idleTimeout: 0,
    // Two simulators must not share a port silently (Bun reuses ports unless `reusePort` is false).
    reusePort: false,
    fetch: (request) => handleRequest(request, state),
  });

  const port = server.port ?? 0;
  return {
    url: `http://${server.hostname}:${port}`,
    port,
    close: () => server.stop(true),
    enqueue: (behaviour) => state.enqueue(behaviour),
    reset: () => state.reset(),
    requests: state.requests,
    get disconnects() {
      return state.disconnects;
    },
  };
}

async function handleRequest(request: Request, state: SimulatorState): Promise<Response> {
  const pathname = new URL(request.url).pathname;
  if (pathname.startsWith(ADMIN_PREFIX)) return handleAdmin(request, state);

  const provider = providerOf(pathname);
  if (provider === undefined) {
    return new Response(`no simulated provider at ${pathname}\n`, { status: 404 });
  }

  const incoming = await readIncoming(request, provider);
  state.requests.push(toReceived(incoming));
  const behaviour = state.queue.take(provider, pathname);
  const context: HandlerContext = { ids: state.ids, sseStyle: behaviour?.sseStyle };
  const tracker = new ConnectionTracker(request.signal, () => (state.disconnects += 1));

  let payload: Payload;
  try {
    payload = await choosePayload(incoming, behaviour, context);
  } catch (error) {
    // A fixture that fails to load is a broken test, so the reason goes into the response.
    const message = error instanceof Error ? error.message : String(error);
    const time = new Date().toISOString();
    const event = "simulator.payload_failed";
    console.error(JSON.stringify({ time, level: "error", event, path: incoming.path, message }));
    return Response.json({ error: { message: `simulator: ${message}` } }, { status: 500 });
  }
  return deliver(payload, behaviour ?? {}, tracker);
}

function providerOf(pathname: string): Provider | undefined {
  return PROVIDERS.find((name) => {
    const simulated = SIMULATED_PROVIDERS[name];
    return simulated !== undefined && pathname.startsWith(simulated.prefix);
  });
}

async function choosePayload(
  incoming: IncomingRequest,
  behaviour: Behaviour | undefined,
  context: HandlerContext,
): Promise<Payload> {
  if (behaviour?.fixture !== undefined) {
    return loadFixture(behaviour.fixture, incoming.provider, context);
  }
  const status = behaviour?.status;
  if (status !== undefined && (behaviour?.body !== undefined || status >= 400)) {
    return injectedPayload(incoming.provider, status, behaviour?.body, context);
  }

  const simulated = SIMULATED_PROVIDERS[incoming.provider]!;
  const pathname = incoming.path.split("?")[0] ?? "";
  const handler = simulated.route(incoming.method, pathname);
  const payload = handler
    ? await handler(incoming, context)
    : simulated.notFound(incoming, context);
  if (status !== undefined) payload.status = status;
  return payload;
}

function injectedPayload(
  provider: Provider,
  status: number,
  body: unknown,
  context: HandlerContext,
): Payload {
  const simulated = SIMULATED_PROVIDERS[provider]!;
  const { requestId, headers } = simulated.responseHeaders(context);
  for (const [name, value] of Object.entries(simulated.errorHeaders?.(status) ?? {})) {
    if (status >= 400) headers.set(name, value);
  }
  if (typeof body !== "string") {
    return jsonPayload(status, headers, body ?? simulated.errorBody(status, requestId));
  }

  headers.set("content-type", "text/plain; charset=utf-8");
  return { status, headers, parts: [new TextEncoder().encode(body)], streaming: false };
}
