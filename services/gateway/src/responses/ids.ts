/**
 * Ids for translated Responses objects, with OpenAI's prefixes (`resp_`, `msg_`, `rs_`, `fc_`)
 * so clients that check the prefix accept them. They are random, since Nexus stores no
 * response that an id could name later.
 */
export function newItemId(prefix: "resp" | "msg" | "rs" | "fc"): string {
  return `${prefix}_${crypto.randomUUID().replaceAll("-", "")}`;
}
