import type { ResolvedModel } from "../../../runtime/config/models.ts";
import { admitControls } from "../../../runtime/controls/admit-controls.ts";
import type { RequestControls } from "../../../runtime/controls/request-controls.ts";
import type { Principal } from "../../../runtime/hooks/stage.ts";
import type { VirtualKey } from "../../../runtime/identity/keys/types.ts";
import { authenticate, resolveModel } from "./authorize.ts";
import { checkBody } from "./compliance/check.ts";
import { principalOf } from "./compliance/principal.ts";
import type { GatewayContext } from "./context.ts";
import type { Exchange } from "./exchange.ts";
import { admitQuota } from "./quota/admit-quota.ts";
import { readJsonBody } from "./read-body.ts";
import type { RequestRecord } from "./request-record.ts";

export interface Admitted<T> {
  key: VirtualKey;
  body: T;
  resolved: ResolvedModel;
  /**
   * The sender of the request, for the answer's compliance check. It is null without
   * compliance or when the `bypassHooks` passthrough flag covers the request.
   */
  principal: Principal | null;
  /** The passthrough flags in force for this request. */
  passthrough: RequestControls["passthrough"];
  /** Classification labels the request's compliance pipeline assigned, for routing. */
  labels: readonly string[];
}

/**
 * Runs the steps every model route starts with, in order, recording each fact as it is
 * learned: authenticate the key, apply the kill switches and passthrough flags, read and
 * validate the body, resolve the model within the key's scope, and run the request's
 * compliance pipeline, which may redact the body in place.
 * Throws the NexusError of the first step that fails.
 */
export async function admitRequest<T extends { model: string; stream?: boolean | null }>(
  context: GatewayContext,
  request: Request,
  exchange: Exchange,
  record: RequestRecord,
  validate: (value: unknown) => T,
  kind: "chat" | "embedding",
): Promise<Admitted<T>> {
  const key = await authenticate(context, request.headers);
  record.setKey(key);
  const { passthrough } = admitControls(context.controls, { org: key.org, keyId: key.id },
    (name, value) => record.addDetail(name, value));

  const raw = await readJsonBody(request, context.maxBodyBytes);
  record.setRequestChars(raw.chars);
  const body = validate(raw.value);
  record.setStream(body.stream === true);

  record.setModel(body.model, null);
  const resolved = resolveModel(context, key, body.model, kind);
  record.setModel(body.model, resolved);
  await admitQuota(context, record, { key, resolved, body, requestChars: raw.chars }, kind);

  if (context.compliance === null || passthrough.bypassHooks !== undefined) {
    record.addDetail("client_ip", exchange.peer);
    return { key, body, resolved, principal: null, passthrough, labels: [] };
  }

  const principal = principalOf(key, exchange.peer, request.headers, context.compliance);
  record.addDetail("client_ip", principal.ip);
  const labels = await checkBody(context, record, {
    phase: "request",
    principal,
    model: body.model,
    body,
    sizeBytes: raw.bytes,
    headers: request.headers,
  });
  return { key, body, resolved, principal, passthrough, labels };
}
