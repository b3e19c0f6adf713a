#!/usr/bin/env bash
# Builds the WebAssembly crates (wasm/pii/pii.wasm, wasm/vectors/vectors.wasm) from source with
# Debian's Rust toolchain (rustc 1.63, offline, crate sources from /usr/share/cargo/registry) and
# binaryen's wasm-opt, and writes each sha256 next to its module. The output is the same byte
# for byte whatever directory the checkout is in.
#
#   wasm/build.sh [CRATE]               rebuild and overwrite wasm/CRATE/CRATE.wasm and its
#                                       .sha256, for every crate unless one is named
#   wasm/build.sh --out FILE CRATE      rebuild CRATE into FILE, leaving the committed files alone
#   wasm/build.sh --check [CRATE]       rebuild into temporary files and fail if a sha256
#                                       differs from the committed wasm/CRATE/CRATE.wasm.sha256
#
# CRATE is pii or vectors.
#
# Needs: apt-get install rustc cargo libstd-rust-dev-wasm32 librust-regex-dev
#        librust-aho-corasick-dev binaryen lld-14
set -euo pipefail

wasm_dir=$(cd "$(dirname "$0")" && pwd)
crates=(pii vectors)
usage="usage: wasm/build.sh [--out FILE CRATE | --check] [CRATE], CRATE one of: ${crates[*]}"

mode=write
out=""
selected=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=${2:?"--out needs a file name"}; mode=out; shift 2 ;;
    --check) mode=check; shift ;;
    pii|vectors) selected=$1; shift ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
if [ -n "$selected" ]; then
  crates=("$selected")
elif [ "$mode" = out ]; then
  echo "build.sh: --out writes one module, so name the crate: $usage" >&2
  exit 2
fi

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
export CARGO_HOME="$work/cargo-home"
export SOURCE_DATE_EPOCH=0

# Builds wasm/$1 into $work/$1.wasm.
build_crate() {
  local name=$1
  local crate_dir="$wasm_dir/$name"
  local target_dir="$work/target-$name"

  # Panic locations and any leftover debug paths embed source paths. Mapping the checkout and
  # the temporary target folder to fixed names makes the bytes independent of where they live.
  export RUSTFLAGS="-C target-feature=+simd128 \
--remap-path-prefix=$crate_dir=/nexus/wasm/$name \
--remap-path-prefix=$target_dir=/nexus/target"
  export CARGO_TARGET_DIR="$target_dir"

  # Cargo reads wasm/.cargo/config.toml (the offline Debian source) from the working directory.
  # rustup's cargo on PATH would rewrite Cargo.lock to a version Debian's cargo cannot read, so
  # Debian's is called by path.
  (cd "$crate_dir" &&
    /usr/bin/cargo build --release --locked --offline --target wasm32-unknown-unknown --quiet)

  local built="$target_dir/wasm32-unknown-unknown/release/nexus_$name.wasm"
  wasm-opt -O3 --enable-simd --strip-debug --strip-producers "$built" -o "$work/$name.wasm"
}

failed=0
for name in "${crates[@]}"; do
  build_crate "$name"
  optimised="$work/$name.wasm"
  committed="$wasm_dir/$name/$name.wasm"
  hash=$(sha256sum "$optimised" | cut -d' ' -f1)
  case "$mode" in
    write)
      cp "$optimised" "$committed"
      echo "$hash  $name.wasm" > "$committed.sha256"
      echo "build.sh: wrote $committed ($(wc -c < "$committed") bytes, sha256 $hash)"
      ;;
    out)
      cp "$optimised" "$out"
      echo "build.sh: wrote $out ($(wc -c < "$out") bytes, sha256 $hash)"
      ;;
    check)
      expected=$(cut -d' ' -f1 "$committed.sha256")
      actual=$(sha256sum "$committed" | cut -d' ' -f1)
      if [ "$hash" != "$expected" ]; then
        echo "build.sh: rebuilt $name.wasm has sha256 $hash, but wasm/$name/$name.wasm.sha256" >&2
        echo "records $expected; run wasm/build.sh $name and commit wasm/$name/$name.wasm and" \
          "its .sha256" >&2
        failed=1
      elif [ "$actual" != "$expected" ]; then
        echo "build.sh: wasm/$name/$name.wasm has sha256 $actual, not $expected as recorded" >&2
        failed=1
      else
        echo "build.sh: $name.wasm matches its source (sha256 $hash)"
      fi
      ;;
  esac
done
exit "$failed"
