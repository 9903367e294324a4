#!/usr/bin/env bash
# Makes sure every tool Marquee's build (and, with `test`, its tests) needs is
# present, installing what is missing. Idempotent, and silent when there is
# nothing to do. Downloads only from package registries.
#
#   scripts/setup.sh          tools to build and run
#   scripts/setup.sh test     ... and Chromium and Playwright for the tests
#
# Tools go to $MARQUEE_TOOLS_DIR (default ~/.cache/marquee), outside the
# checkout so they survive clean clones. The script writes
# $MARQUEE_TOOLS_DIR/env.sh, which the Makefile sources before every build.
#
# The ordinary way is tried first (rustup, cargo install, npm). Where rustup
# cannot download Rust, a Rust of the same version is assembled from Debian's
# packages and the wasm32 standard library is built into it from source.
set -euo pipefail

mode=${1:-build}
case "$mode" in build | test) ;; *)
  echo "usage: $0 [build|test]" >&2
  exit 2
  ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
tools=${MARQUEE_TOOLS_DIR:-$HOME/.cache/marquee}
mkdir -p "$tools/bin" "$tools/logs"
export PATH="$tools/bin:$HOME/.cargo/bin:$PATH"

rust_channel=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$root/rust-toolchain.toml")
cargo_leptos_version=0.3.11
wasm_bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' "$root/Cargo.lock")
# The Debian build of the same Rust (bookworm-security), for the fallback.
debian_rust_version=1.96.0+dfsg1-1~deb12u2
debian_rust_toolchain=marquee-rust-$rust_channel
wasm=wasm32-unknown-unknown

say() { echo "setup: $*" >&2; }

# Runs a long step with its output in a log; shows the log's end on failure.
step() {
  local name=$1
  shift
  local log="$tools/logs/$name.log"
  say "$name (log: $log)"
  if ! "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    say "$name failed"
    return 1
  fi
}

apt_updated=
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  if [ -z "$apt_updated" ]; then
    step apt-update $sudo apt-get update
    apt_updated=1
  fi
  step "apt-install-${missing[0]}" env DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
}

# --- Rust ------------------------------------------------------------------

has_wasm_std() {
  local libdir
  libdir=$(RUSTUP_TOOLCHAIN=$1 rustc --print target-libdir --target $wasm 2>/dev/null) || return 1
  compgen -G "$libdir/libstd-*.rlib" >/dev/null
}

rustc_is_new_enough() {
  local version
  version=$(RUSTUP_TOOLCHAIN=$1 rustc --version 2>/dev/null | awk '{print $2}') || return 1
  [ -n "$version" ] && [ "$(printf '%s\n%s\n' "$rust_channel" "$version" | sort -V | head -n1)" = "$rust_channel" ]
}

usable_toolchain() { rustc_is_new_enough "$1" && has_wasm_std "$1"; }

# Builds the wasm32 std from the toolchain's own source into its sysroot.
build_wasm_std() {
  local toolchain=$1 dummy
  dummy=$(mktemp -d)
  mkdir -p "$dummy/src"
  printf '[package]\nname = "wasm_std_dummy"\nversion = "0.0.0"\nedition = "2021"\n[workspace]\n' >"$dummy/Cargo.toml"
  echo '#![no_std]' >"$dummy/src/lib.rs"
  (
    cd "$dummy"
    RUSTUP_TOOLCHAIN=$toolchain RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Cembed-bitcode=yes" \
      cargo build --release --target $wasm -Zbuild-std=std,panic_abort,test
  )
  local sysroot libdir
  sysroot=$(RUSTUP_TOOLCHAIN=$toolchain rustc --print sysroot)
  libdir="$sysroot/lib/rustlib/$wasm/lib"
  mkdir -p "$libdir"
  find "$dummy/target/$wasm/release/deps" -name '*.rlib' ! -name 'libwasm_std_dummy*' -exec cp {} "$libdir/" \;
  rm -rf "$dummy"
}

# Assembles Rust from Debian's packages into $tools and links it into rustup.
debian_rust() {
  local prefix="$tools/rust-$rust_channel"
  apt_install libllvm22 lld-22 libgit2-1.5 patchelf
  if [ ! -x "$prefix/usr/bin/rustc" ]; then
    local debs
    debs=$(mktemp -d)
    (cd "$debs" && apt-get download \
      "rustc-web=$debian_rust_version" "cargo-web=$debian_rust_version" \
      "libstd-rust-web-dev=$debian_rust_version" "libstd-rust-web-1.96=$debian_rust_version" \
      "rust-web-src=$debian_rust_version")
    rm -rf "$prefix.partial"
    for deb in "$debs"/*.deb; do dpkg -x "$deb" "$prefix.partial"; done
    patchelf --set-rpath '$ORIGIN/../lib/x86_64-linux-gnu' \
      "$prefix.partial/usr/bin/rustc" "$prefix.partial/usr/bin/rustdoc"
    mkdir -p "$prefix.partial/usr/lib/rustlib/x86_64-unknown-linux-gnu/bin"
    ln -sf /usr/lib/llvm-22/bin/lld "$prefix.partial/usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld"
    mv "$prefix.partial" "$prefix"
    rm -rf "$debs"
  fi
  rustup toolchain link "$debian_rust_toolchain" "$prefix/usr"
}

choose_toolchain() {
  if [ -n "${MARQUEE_FORCE_DEBIAN_RUST:-}" ]; then
    :
  elif usable_toolchain "$rust_channel"; then
    echo "$rust_channel"
    return
  elif step rustup-install timeout 900 rustup toolchain install "$rust_channel" \
    --profile minimal --target $wasm --component rustfmt --component clippy &&
    usable_toolchain "$rust_channel"; then
    echo "$rust_channel"
    return
  fi
  if ! usable_toolchain "$debian_rust_toolchain"; then
    say "rustup could not provide Rust $rust_channel for $wasm: using Debian's build"
    step debian-rust debian_rust
    has_wasm_std "$debian_rust_toolchain" || step wasm-std build_wasm_std "$debian_rust_toolchain"
  fi
  usable_toolchain "$debian_rust_toolchain" || {
    say "no usable Rust $rust_channel with the $wasm target"
    exit 1
  }
  echo "$debian_rust_toolchain"
}

command -v rustup >/dev/null || {
  say "rustup is required (https://rustup.rs or Debian's rustup package)"
  exit 1
}
toolchain=$(choose_toolchain)
[ -n "$toolchain" ] || exit 1
export RUSTUP_TOOLCHAIN=$toolchain

# --- Cargo tools -------------------------------------------------------------

installed_version() { "$1" --version 2>/dev/null | awk '{print $2}'; }

if [ "$(installed_version "$tools/bin/cargo-leptos")" != "$cargo_leptos_version" ]; then
  # A debug build of cargo-leptos works as well and installs in half the time.
  step cargo-leptos env CARGO_PROFILE_DEV_DEBUG=0 cargo install cargo-leptos \
    --version "$cargo_leptos_version" --locked --debug --root "$tools"
fi

if [ "$(installed_version "$tools/bin/wasm-bindgen")" != "$wasm_bindgen_version" ]; then
  # Some pinned dependency of the CLI can be missing from the registry:
  # --locked first, then without.
  step wasm-bindgen sh -c "cargo install wasm-bindgen-cli --version '$wasm_bindgen_version' --locked --root '$tools' ||
    cargo install wasm-bindgen-cli --version '$wasm_bindgen_version' --root '$tools'"
fi

# --- Test tools: cargo deny (licenses, bans, sources) and cargo fuzz ---------

cargo_deny_version=0.20.2
cargo_fuzz_version=0.13.2
if [ "$mode" = test ]; then
  if [ "$(installed_version "$tools/bin/cargo-deny")" != "$cargo_deny_version" ]; then
    step cargo-deny cargo install cargo-deny --version "$cargo_deny_version" --locked --root "$tools"
  fi
  if [ "$(installed_version "$tools/bin/cargo-fuzz")" != "$cargo_fuzz_version" ]; then
    step cargo-fuzz cargo install cargo-fuzz --version "$cargo_fuzz_version" --locked --root "$tools"
  fi
fi

# --- Node tools: Tailwind and wasm-opt (binaryen) ---------------------------

command -v npm >/dev/null || apt_install nodejs npm

# `npm install` follows package-lock.json like `npm ci` does, but tolerates a
# lock written without other platforms' optional packages (Tailwind's oxide
# builds), which `npm ci` refuses.
npm_install() {
  local dir=$1 stamp="$1/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$dir/package-lock.json" -nt "$stamp" ] || [ "$dir/package.json" -nt "$stamp" ]; then
    step "npm-$(basename "$dir")" sh -c "cd '$dir' && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund"
  fi
}
npm_install "$root"

# --- Test tools: Chromium and Playwright -------------------------------------

if [ "$mode" = test ]; then
  [ -x /usr/bin/chromium ] || apt_install chromium
  npm_install "$root/end2end"
fi

# --- Test tools: schemathesis (the API fuzzer, from PyPI) ---------------------

schemathesis_version=4.32.5
if [ "$mode" = test ] && ! "$tools/venv/bin/st" --version 2>/dev/null | grep -q "$schemathesis_version"; then
  python3 -m venv --help >/dev/null 2>&1 || apt_install python3-venv
  [ -x "$tools/venv/bin/pip" ] || step venv python3 -m venv "$tools/venv"
  step schemathesis "$tools/venv/bin/pip" install --quiet "schemathesis==$schemathesis_version"
fi

cat >"$tools/env.sh.new" <<EOF
# Written by scripts/setup.sh: the tools Marquee builds with.
export RUSTUP_TOOLCHAIN=$toolchain
export PATH="$tools/bin:\$HOME/.cargo/bin:\$PATH"
EOF
mv "$tools/env.sh.new" "$tools/env.sh"
