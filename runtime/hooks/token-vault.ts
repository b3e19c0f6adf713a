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

  /** Spans of token-shaped text, which a stream must not split before restoring. */
  tokenSpans(text: string): { start: number; end: number }[] {
    return [...text.matchAll(TokenVault.PATTERN)].map((match) => ({
      start: match.index,
      end: match.index + match[0].length,
    }));
  }
}
