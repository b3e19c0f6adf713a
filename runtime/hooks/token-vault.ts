/**
 * Reversible tokenization for one request: each detected value is replaced by a token such as
 * `[EMAIL_1]` before the provider sees it, and the answer gets the real value back. The same
 * value gets the same token within the request, so the model can refer to it consistently.
 * Only tokens this vault issued are restored; other bracketed text is left alone.
 */
export class TokenVault {
  readonly #byValue = new Map<string, string>();
  readonly #byToken = new Map<string, string>();
  readonly #counts = new Map<string, number>();

  /** Matches anything shaped like a token, issued here or not. */
  static readonly PATTERN = /\[[A-Z][A-Z0-9_]*_\d+\]/g;

  tokenFor(kind: string, value: string): string {
    const known = this.#byValue.get(`${kind}\u0000${value}`);
    if (known !== undefined) return known;

    const label = kind.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
    const count = (this.#counts.get(label) ?? 0) + 1;
    this.#counts.set(label, count);
    const token = `[${label}_${count}]`;
    this.#byValue.set(`${kind}\u0000${value}`, token);
    this.#byToken.set(token, value);
    return token;
  }

  get size(): number {
    return this.#byToken.size;
  }

  /** Returns the text with every token this vault issued replaced by its value. */
  restore(text: string): string {
    if (this.#byToken.size === 0) return text;
    return text.replace(TokenVault.PATTERN, (token) => this.#byToken.get(token) ?? token);
  }

  /**
   * Returns the text with every value this vault issued a token for replaced by that token, so
   * a stored copy of a restored response contains no more than the provider received. Longer
   * values go first, so a value that contains another is replaced whole. `encode` gives the
   * form a value takes in the text, such as its JSON string escaping. Both forms are replaced.
   */
  retokenize(text: string, encode: (value: string) => string = (value) => value): string {
    if (this.#byToken.size === 0) return text;

    const tokenOf = new Map<string, string>();
    for (const [token, value] of this.#byToken) {
      if (value === "") continue;
      for (const form of [value, encode(value)]) {
        if (!tokenOf.has(form)) tokenOf.set(form, token);
      }
    }
    if (tokenOf.size === 0) return text;

    // One pass over the text, so a token written in is never searched again.
    const forms = [...tokenOf.keys()].sort((a, b) => b.length - a.length);
    const pattern = new RegExp(forms.map(escapeRegExp).join("|"), "g");
    return text.replace(pattern, (form) => tokenOf.get(form) ?? form);
  }

  /** Spans of token-shaped text, which a stream must not split before restoring. */
  tokenSpans(text: string): { start: number; end: number }[] {
    return [...text.matchAll(TokenVault.PATTERN)].map((match) => ({
      start: match.index,
      end: match.index + match[0].length,
    }));
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
