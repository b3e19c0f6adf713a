/**
 * One detected item. `start` and `end` are JavaScript string indices (UTF-16 code units), so
 * `text.slice(start, end)` is the matched text. `kind` is a built-in kind name or the name of
 * a custom pattern or dictionary.
 */
export interface Span {
  kind: string;
  start: number;
  end: number;
}
