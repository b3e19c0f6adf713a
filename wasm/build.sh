#!/usr/bin/env bash
# Builds wasm/pii/pii.wasm from source with Debian's Rust toolchain (rustc 1.63, offline, crate
# sources from /usr/share/cargo/registry) and binaryen's wasm-opt, and writes its sha256 next
# to it. The output is the same byte for byte whatever directory the checkout is in.
#
#   wasm/build.sh                 rebuild and overwrite wasm/pii/pii.wasm and pii.wasm.sha256
#   wasm/build.sh --out FILE      rebuild into FILE instead, leaving the committed files alone
#   wasm/build.sh --check         rebuild into a temporary file and fail if its sha256 differs
#                                 from wasm/pii/pii.wasm.sha256
#
# Needs: apt-get install rustc cargo libstd-rust-dev-wasm32 librust-regex-dev
#        librust-aho-corasick-dev binaryen lld-14
set -euo pipefail

wasm_dir=$(cd "$(dirname "$0")" && pwd)
crate_dir="$wasm_dir/pii"
committed="$crate_dir/pii.wasm"

mode=write
out="$committed"
case "${1:-}" in
  "") ;;
  --out) out=${2:?"--out needs a file name"}; mode=out ;;
  --check) mode=check ;;
  *) echo "usage: wasm/build.sh [--out FILE | --check]" >&2; exit 2 ;;
esac

for tool in /usr/bin/cargo /usr/bin/rustc wasm-opt; do
  if ! command -v "$tool" >/dev/null; then
    echo "build.sh: $tool not found; install the Debian packages listed at the top of this file" >&2
    exit 1
  fi
done
if [ ! -d /usr/lib/rustlib/wasm32-unknown-unknown ]; then
  echo "build.sh: no wasm32 standard library; apt-get install libstd-rust-dev-wasm32" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target_dir="$work/target"

# Panic locations and any leftover debug paths embed source paths. Mapping the checkout and the
# temporary target folder to fixed names makes the bytes independent of where they live.
export RUSTFLAGS="-C target-feature=+simd128 \
--remap-path-prefix=$crate_dir=/nexus/wasm/pii \
--remap-path-prefix=$target_dir=/nexus/target"
export CARGO_TARGET_DIR="$target_dir"
export CARGO_HOME="$work/cargo-home"
export SOURCE_DATE_EPOCH=0

# Cargo reads wasm/.cargo/config.toml (the offline Debian source) from the working directory.
# rustup's cargo on PATH would rewrite Cargo.lock to a version Debian's cargo cannot read, so
# Debian's is called by path.
cd "$crate_dir"
/usr/bin/cargo build --release --locked --offline --target wasm32-unknown-unknown --quiet

built="$target_dir/wasm32-unknown-unknown/release/nexus_pii.wasm"
optimised="$work/pii.wasm"
wasm-opt -O3 --enable-simd --strip-debug --strip-producers "$built" -o "$optimised"

hash=$(sha256sum "$optimised" | cut -d' ' -f1)
case "$mode" in
  write)
    cp "$optimised" "$committed"
    echo "$hash  pii.wasm" > "$committed.sha256"
    echo "build.sh: wrote $committed ($(wc -c < "$committed") bytes, sha256 $hash)"
    ;;
  out)
    cp "$optimised" "$out"
    echo "build.sh: wrote $out ($(wc -c < "$out") bytes, sha256 $hash)"
    ;;
  check)
    expected=$(cut -d' ' -f1 "$committed.sha256")
    if [ "$hash" != "$expected" ]; then
      echo "build.sh: rebuilt pii.wasm has sha256 $hash, but wasm/pii/pii.wasm.sha256" >&2
      echo "records $expected; run wasm/build.sh and commit wasm/pii/pii.wasm and its .sha256" >&2
      exit 1
    fi
    actual=$(sha256sum "$committed" | cut -d' ' -f1)
    if [ "$actual" != "$expected" ]; then
      echo "build.sh: wasm/pii/pii.wasm has sha256 $actual, not $expected as recorded" >&2
      exit 1
    fi
    echo "build.sh: pii.wasm matches its source (sha256 $hash)"
    ;;
esac
