import type { ResolvedModel } from "../../../../runtime/config/models.ts";
import type { VirtualKey } from "../../../../runtime/identity/keys/types.ts";
import type { GatewayContext } from "../context.ts";
import type { RequestRecord } from "../request-record.ts";

/** Body fields that cap a request's output, in the order they are read. */
const OUTPUT_MAXIMUM_FIELDS = ["max_completion_tokens", "max_tokens", "max_output_tokens"];

/**
 * Reserves the request's estimated spend against the configured quotas and hands the
 * reservation to the record, whose `finish` settles or releases it on every exit path.
 * Throws `quota_exceeded` when a hard limit has no room.
 */
export async function admitQuota(
  context: GatewayContext,
  record: RequestRecord,
  request: { key: VirtualKey; resolved: ResolvedModel; body: object; requestChars: number },
  kind: "chat" | "embedding",
): Promise<void> {
  if (context.quota === null) return;
  const { key, resolved } = request;
  const output = kind === "embedding" ? { value: 0, field: null } : outputMaximum(request.body);
  const hold = await context.quota.reserve({
    subject: { org: key.org, key: key.id, provider: resolved.providerId, model: resolved.name },
    requestChars: request.requestChars,
    maxOutputTokens: output.value,
    outputField: output.field,
    price: resolved.model.price,
  });
  if (hold !== null) record.holdQuota(hold);
}

/** Returns the first output maximum the body sets and its field, or nulls when none is set. */
function outputMaximum(body: object): { value: number | null; field: string | null } {
  const fields = body as Record<string, unknown>;
  for (const name of OUTPUT_MAXIMUM_FIELDS) {
    const value = fields[name];
    if (typeof value === "number" && Number.isFinite(value) && value >= 0) {
      return { value, field: name };
    }
  }
  return { value: null, field: null };
}
