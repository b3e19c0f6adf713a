import type { BuiltinKind } from "./kinds.ts";

/** A caller-defined regular expression, in the syntax of Rust's `regex` crate 1.7. */
export interface CustomPattern {
  /** Kind name reported on its spans; must not clash with a built-in kind or another name. */
  name: string;
  /** Matched in linear time; no look-around or back-references. Unicode-aware by default. */
  pattern: string;
}

/** A list of exact words or phrases, matched only at word boundaries. */
export interface Dictionary {
  name: string;
  words: readonly string[];
  /** Ignore ASCII letter case; other letters still match exactly. Default false. */
  ignoreCase?: boolean;
}

export interface PiiScannerOptions {
  /** Built-in kinds to detect; all of them when omitted. */
  kinds?: readonly BuiltinKind[];
  patterns?: readonly CustomPattern[];
  dictionaries?: readonly Dictionary[];
}
