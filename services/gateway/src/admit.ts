import type { ResolvedModel } from "../../../runtime/config/models.ts";
import type { VirtualKey } from "../../../runtime/identity/keys/types.ts";
import { authenticate, resolveModel } from "./authorize.ts";
import type { GatewayContext } from "./context.ts";
import { readJsonBody } from "./read-body.ts";
import type { RequestRecord } from "./request-record.ts";

export interface Admitted<T> {
  key: VirtualKey;
  body: T;
  resolved: ResolvedModel;
}

/**
 * Runs the steps every model route starts with, in order, recording each fact as it is
 * learned: authenticate the key, read and validate the body, resolve the model within the
 * key's scope. Throws the NexusError of the first step that fails.
 */
export async function admitRequest<T extends { model: string; stream?: boolean | null }>(
  context: GatewayContext,
  request: Request,
  record: RequestRecord,
  validate: (value: unknown) => T,
  kind: "chat" | "embedding",
): Promise<Admitted<T>> {
  const key = authenticate(context, request.headers);
  record.setKey(key);

  const raw = await readJsonBody(request, context.maxBodyBytes);
  record.setRequestChars(raw.chars);
  const body = validate(raw.value);
  record.setStream(body.stream === true);

  record.setModel(body.model, null);
  const resolved = resolveModel(context, key, body.model, kind);
  record.setModel(body.model, resolved);
  return { key, body, resolved };
}
