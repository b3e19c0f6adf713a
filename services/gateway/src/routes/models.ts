import { admitControls } from "../../../../runtime/controls/admit-controls.ts";
import { keyAllowsModel, authenticate } from "../authorize.ts";
import type { GatewayContext } from "../context.ts";
import type { Exchange } from "../exchange.ts";
import { RequestRecord } from "../request-record.ts";
import { failRequest } from "./fail-request.ts";

/** `GET /v1/models`: the names and aliases this key may use, in OpenAI's list shape. */
export async function handleListModels(
  context: GatewayContext,
  request: Request,
  exchange: Exchange,
): Promise<Response> {
  const record = new RequestRecord(context, exchange.ids, "/v1/models");
  try {
    const key = await authenticate(context, request.headers);
    record.setKey(key);
    admitControls(context.controls, { org: key.org, keyId: key.id },
      (name, value) => record.addDetail(name, value));

    const data = [];
    for (const name of context.catalog.listNames()) {
      const resolved = context.catalog.find(name);
      if (resolved === undefined || !keyAllowsModel(key, name, resolved.name)) continue;
      data.push({
        id: name,
        object: "model",
        // Nexus does not know when a provider released a model; 0 means "unknown".
        created: 0,
        owned_by: resolved.providerId,
      });
    }
    record.finish(200, null);
    return Response.json({ object: "list", data }, { headers: record.responseHeaders() });
  } catch (error) {
    return failRequest(context, record, error);
  }
}
