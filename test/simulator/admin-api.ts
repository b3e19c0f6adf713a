/**
 * HTTP control of a simulator running in another process (the offline hello-world, the
 * e2e suites): `POST /__sim/enqueue` with a Behaviour, `POST /__sim/reset`,
 * `GET /__sim/requests` and `GET /__sim/stats`.
 */

import { parseBehaviour, type Behaviour } from "./behaviour.ts";
import type { ReceivedRequest } from "./incoming-request.ts";

export const ADMIN_PREFIX = "/__sim/";

export interface SimulatorControl {
  enqueue(behaviour: Behaviour): void;
  reset(): void;
  readonly requests: ReceivedRequest[];
  readonly disconnects: number;
  readonly queued: number;
}

export async function handleAdmin(request: Request, control: SimulatorControl): Promise<Response> {
  const route = `${request.method} ${new URL(request.url).pathname}`;

  switch (route) {
    case "POST /__sim/enqueue":
      return enqueueFromBody(request, control);
    case "POST /__sim/reset":
      control.reset();
      return new Response(null, { status: 204 });
    case "GET /__sim/requests":
      return Response.json(control.requests);
    case "GET /__sim/stats":
      return Response.json({
        requests: control.requests.length,
        disconnects: control.disconnects,
        queued: control.queued,
      });
    default:
      return Response.json({ error: `no admin route ${route}` }, { status: 404 });
  }
}

async function enqueueFromBody(request: Request, control: SimulatorControl): Promise<Response> {
  try {
    control.enqueue(parseBehaviour(await request.json()));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return Response.json({ error: message }, { status: 400 });
  }
  return Response.json({ queued: control.queued });
}
