/**
 * Replaces the value of the first `"model"` member in a JSON text, keeping every other byte, so
 * a relayed body differs from the provider's only in the model name. A `"model"` key inside a
 * JSON string cannot match, because its quotes are escaped there.
 * NOTE: in the bodies OpenAI sends, the first member is the response's own `model`, because it
 * comes before `output`, `tools` and `metadata`. A body with an earlier nested `model` key
 * would get that key replaced instead.
 */
export function replaceModelName(text: string, current: string, clientModel: string): string {
  const pattern = new RegExp(`("model"\\s*:\\s*)${escapeRegExp(JSON.stringify(current))}`);
  return text.replace(pattern, (_match, prefix: string) => prefix + JSON.stringify(clientModel));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
