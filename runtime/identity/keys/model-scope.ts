/** Compiles model-scope globs once: `*` matches any run of characters, `?` exactly one. */
export function compileModelScope(patterns: readonly string[]): (model: string) => boolean {
  const sources = patterns.map((pattern) => {
    let source = "";
    for (const ch of pattern) {
      if (ch === "*") source += ".*";
      else if (ch === "?") source += ".";
      else source += ch.replace(/[\\^$.+()[\]{}|/]/g, "\\$&");
    }
    return source;
  });
  if (sources.length === 0) return () => false;
  const regex = new RegExp(`^(?:${sources.join("|")})$`, "s");
  return (model) => regex.test(model);
}
