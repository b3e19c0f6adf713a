import type { GatewayContext } from "./context.ts";
import type { RequestRecord } from "./request-record.ts";
import { reportFailure } from "./report-failure.ts";
import type { RelayOptions } from "./stream-relay.ts";
import type { UpstreamAbort } from "./upstream/call.ts";

/** Wires a stream relay to the gateway's metrics, failure reports and shutdown tracking. */
export function relayOptions(
  context: GatewayContext,
  record: RequestRecord,
  abort: UpstreamAbort,
  settings: { route: string; idleTimeoutMs: number; onComplete?: () => void },
): RelayOptions {
  return {
    record,
    abort,
    idleTimeoutMs: settings.idleTimeoutMs,
    provider: record.provider ?? "",
    onComplete: settings.onComplete,
    onClientGone: () => context.metrics.clientDisconnects.inc({ route: settings.route }),
    onFailure: (failure) => reportFailure(context, record, failure),
    trackStream: (end) => {
      // The owner lets a kill switch for this org or key end the stream.
      const key = record.key;
      const owner = key === null ? null : { org: key.org, keyId: key.id };
      context.activeStreams.addOwned(end, owner);
      return () => context.activeStreams.delete(end);
    },
  };
}
