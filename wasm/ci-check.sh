#!/usr/bin/env bash
# CI step: installs Debian's Rust-to-WebAssembly toolchain when it is missing, rebuilds
# wasm/pii/pii.wasm and wasm/vectors/vectors.wasm into temporary files and fails if either
# differs from its committed build.
set -euo pipefail
cd "$(dirname "$0")"

packages=(rustc cargo libstd-rust-dev-wasm32 librust-regex-dev librust-aho-corasick-dev
  binaryen lld-14)

missing=0
for tool in /usr/bin/cargo /usr/bin/rustc /usr/bin/wasm-opt; do
  [ -x "$tool" ] || missing=1
done
[ -d /usr/lib/rustlib/wasm32-unknown-unknown ] || missing=1
[ -d /usr/share/cargo/registry/regex-1.7.1 ] || missing=1
if [ "$missing" -eq 1 ]; then
  echo "ci: installing the WebAssembly toolchain: ${packages[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi

./build.sh --check
