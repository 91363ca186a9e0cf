#!/usr/bin/env bash
# sdk.out_of_tree_plugin — the installed SDK is enough to build a plugin.
#
#   1. `cmake --install` the keel build tree into a fresh temporary prefix;
#   2. copy examples/third_party_plugin out of the source tree and build it
#      against that prefix only (it must find keel there, and use no header
#      from the source or build tree);
#   3. check the plugin exports exactly one dynamic symbol;
#   4. load it with the INSTALLED keel: `plugin inspect --json`, and
#      `price --json` checked against the closed-form Bachelier values;
#   5. check the installed keel finds its shipped keel.black_scholes with no
#      --plugin-path;
#   6. build examples/c_plugin (pure C) against the same prefix only, with
#      no C++ compiler and no nlohmann_json to be found: one export, the
#      installed `keel plugin check` passes, Black-76 prices and params
#      errors as their closed forms and the C params helper say; then
#      `cmake --install` it into the prefix, where keel finds it by id (and
#      the C++ example, configured without nlohmann_json, is told what to
#      install);
#   7. when given (keel built with Rust / OCaml), build the Rust and the
#      OCaml examples of examples/out_of_tree against the same prefix only
#      (cargo offline, its target dir in the example's build folder), check
#      each exports one symbol, passes the installed `keel plugin check`,
#      and prices what its closed form says. The Rust example uses
#      keel_add_rust_plugin's default output and install directories and
#      names keel-sdk by version only (no path into an install).
# (tests/sdk/docs_show_examples.py checks the docs show these files as they are.)
#
# Arguments (all --name=value, passed by tests/sdk/CMakeLists.txt):
#   --build-dir   the keel build tree to install
#   --example     examples/third_party_plugin in the source tree
#   --source-dir  the keel source tree (must not leak into the build)
#   --cmake --generator --make-program --cxx-compiler --python
#   --c-compiler  for the C example and the OCaml SDK's C glue
#   --c-example   examples/c_plugin
#   --rust-example, --ocaml-example  examples/out_of_tree/{rust,ocaml}_plugin,
#                 or empty when keel was built without that language
#   --libdir      CMAKE_INSTALL_LIBDIR of the keel build
#   --sanitize    ON when keel was built with KEEL_SANITIZE (the plugin then
#                 gets the same -fsanitize flags)
# The temporary folder is removed on success and kept (and named) on failure.
set -euo pipefail

for arg in "$@"; do
  case "$arg" in
    --build-dir=*) build_dir=${arg#*=} ;;
    --example=*) example=${arg#*=} ;;
    --source-dir=*) source_dir=${arg#*=} ;;
    --cmake=*) cmake=${arg#*=} ;;
    --generator=*) generator=${arg#*=} ;;
    --make-program=*) make_program=${arg#*=} ;;
    --cxx-compiler=*) cxx_compiler=${arg#*=} ;;
    --python=*) python=${arg#*=} ;;
    --libdir=*) libdir=${arg#*=} ;;
    --sanitize=*) sanitize=${arg#*=} ;;
    --c-compiler=*) c_compiler=${arg#*=} ;;
    --c-example=*) c_example=${arg#*=} ;;
    --rust-example=*) rust_example=${arg#*=} ;;
    --ocaml-example=*) ocaml_example=${arg#*=} ;;
    *) echo "out_of_tree_test.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done
: "${build_dir:?} ${example:?} ${source_dir:?} ${cmake:?} ${generator:?} ${cxx_compiler:?}"
: "${python:?} ${libdir:?} ${sanitize:?}"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
step() { echo "== $*"; }

# Nothing from the caller's environment may redirect the install, the
# package search or the plugin search.
unset DESTDIR CMAKE_PREFIX_PATH KEEL_PLUGIN_PATH keel_DIR CMAKE_INSTALL_PREFIX

work=$(mktemp -d "${TMPDIR:-/tmp}/keel-sdk-test.XXXXXX")
cleanup() {
  local status=$?
  if [ "$status" -eq 0 ]; then
    rm -rf "$work"
  else
    echo "out_of_tree_test.sh: failed (exit $status); files kept in $work" >&2
  fi
}
trap cleanup EXIT
prefix=$work/prefix
keel=$prefix/bin/keel

# ---------------------------------------------------------------- 1. install
step "install $build_dir -> $prefix"
"$cmake" --install "$build_dir" --prefix "$prefix" >"$work/install.log" ||
  { cat "$work/install.log"; fail "cmake --install failed"; }
[ -x "$keel" ] || fail "the install has no bin/keel"
[ -f "$prefix/$libdir/cmake/keel/keelConfig.cmake" ] ||
  fail "the install has no $libdir/cmake/keel/keelConfig.cmake"
[ -f "$prefix/include/keel/sdk.hpp" ] || fail "the install has no include/keel/sdk.hpp"

# The installed Python package (a build with Python): Debian's python3 imports
# it from <prefix>/lib/python3/dist-packages and finds the shipped plugins
# beside it, with nothing else on any path. (Under the sanitizers python3
# would need their runtimes preloaded; PythonLibrary.pytest covers that.)
pkg="$prefix/lib/python3/dist-packages"
if [ -d "$build_dir/python/keel" ] && [ "$sanitize" != ON ]; then
  step "the installed keel package runs a backtest in /usr/bin/python3"
  [ -f "$pkg/keel/__init__.py" ] && [ -f "$pkg/keel/__init__.pyi" ] && [ -f "$pkg/keel/py.typed" ] ||
    fail "the install has no complete keel package in $pkg/keel"
  ls "$pkg"/keel/_keel*.so >/dev/null 2>&1 || fail "the install has no keel/_keel*.so in $pkg"
  out=$(cd "$work" && env -u PYTHONPATH PYTHONPATH="$pkg" /usr/bin/python3 -c "
import keel, sys
assert keel.__file__.startswith('$pkg'), keel.__file__
r = keel.run('$source_dir/config/examples/demo.json')
assert r.status == 'completed' and len(r.fills) == r.summary['num_fills'] > 0, r
print(len(r.fills), 'fills')") || fail "the installed keel package did not run the demo"
  echo "  $out"
fi

# A C program against the installed libkeel alone (keel/embed.h), built with
# pkg-config as the docs say, finds keel.black_scholes beside libkeel.
step "a C program prices Haug's call through the installed libkeel (pkg-config keel)"
cat >"$work/embed.c" <<'C'
#include <stdio.h>
#include "keel/embed.h"
int main(void) {
  keel_embed_t* keel = NULL;
  keel_error_t err;
  keel_model_handle_t bs;
  keel_option_t call = {60, 65, 0.25, 0.30, 0.08, 0.0, KEEL_RIGHT_CALL, KEEL_EXERCISE_EUROPEAN};
  keel_greeks_t g;
  if (keel_embed_open(NULL, &keel, &err) != KEEL_OK ||
      keel_embed_model_create(keel, "keel.black_scholes", "{}", &bs, &err) != KEEL_OK ||
      keel_embed_model_price(keel, bs, &call, &g, &err) != KEEL_OK ||
      keel_embed_model_drop(keel, bs, &err) != KEEL_OK || keel_embed_close(keel, &err) != KEEL_OK) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  printf("%.4f\n", g.price);
  return 0;
}
C
[ -f "$prefix/lib/pkgconfig/keel.pc" ] || fail "the install has no lib/pkgconfig/keel.pc"
flags=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs keel) ||
  fail "pkg-config keel failed"
# In the sanitizer build libkeel is instrumented: so is its caller.
sanitize_flags=()
[ "$sanitize" = ON ] && sanitize_flags=(-fsanitize=address,undefined)
cc -std=c11 -Wall -Werror "${sanitize_flags[@]}" -o "$work/embed" "$work/embed.c" $flags ||
  fail "a C program does not build with \$(pkg-config --cflags --libs keel)"
out=$(env -u LD_LIBRARY_PATH "$work/embed") || fail "the embedding program failed: $out"
[ "$out" = "2.1334" ] || fail "the embedding program printed '$out', expected Haug's 2.1334"
echo "  $out"

# A plain cargo project, offline, with the installed keel-embed crate as a
# path dependency: its build.rs finds libkeel through pkg-config alone.
crate="$prefix/share/keel/rust/keel-embed"
if [ -d "$crate" ] && command -v cargo >/dev/null && [ "$sanitize" != ON ]; then
  step "a cargo project prices Haug's call through the installed keel-embed crate"
  mkdir -p "$work/rust_embed/src"
  cat >"$work/rust_embed/Cargo.toml" <<TOML
[package]
name = "haug"
version = "0.1.0"
edition = "2021"

[dependencies]
keel-embed = { path = "$crate" }
TOML
  cat >"$work/rust_embed/build.rs" <<'RS'
fn main() {
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", std::env::var("DEP_KEEL_LIBDIR").unwrap());
}
RS
  cat >"$work/rust_embed/src/main.rs" <<'RS'
use keel_embed::{Exercise, Keel, OptionContract, Right};
fn main() -> Result<(), keel_embed::Error> {
    let keel = Keel::open()?;
    let bs = keel.model("keel.black_scholes", "{}")?;
    let call = OptionContract { spot: 60.0, strike: 65.0, expiry: 0.25, vol: 0.3, rate: 0.08,
                                dividend: 0.0, right: Right::Call, exercise: Exercise::European };
    println!("{:.4}", bs.price(&call)?.price);
    Ok(())
}
RS
  (cd "$work/rust_embed" && env -u KEEL_LIB_DIR PKG_CONFIG_PATH="$prefix/lib/pkgconfig" \
     CARGO_TARGET_DIR="$work/rust_embed/target" cargo build --offline --quiet) ||
    fail "a cargo project does not build against the installed keel-embed crate"
  out=$(env -u LD_LIBRARY_PATH "$work/rust_embed/target/debug/haug") ||
    fail "the Rust embedding program failed: $out"
  [ "$out" = "2.1334" ] || fail "the Rust embedding program printed '$out', expected 2.1334"
  echo "  $out"
fi

# ------------------------------------------------------ 2. out-of-tree build
step "copy $example out of the source tree and build it against $prefix only"
src=$work/src
bld=$work/build
mkdir -p "$src"
# A build folder a developer left in the example is not part of it.
tar -C "$example" --exclude=./build -cf - . | tar -C "$src" -xf -

config_args=(
  -S "$src" -B "$bld" -G "$generator"
  -DCMAKE_BUILD_TYPE=RelWithDebInfo
  -DCMAKE_CXX_COMPILER="$cxx_compiler"
  -DCMAKE_PREFIX_PATH="$prefix"
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
  -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
)
[ -n "${make_program:-}" ] && config_args+=(-DCMAKE_MAKE_PROGRAM="$make_program")
if [ "$sanitize" = ON ]; then
  # Same instrumentation as the keel build, so the plugin's code is checked
  # too and its module links against the sanitizer runtimes.
  config_args+=(
    "-DCMAKE_CXX_FLAGS=-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
    "-DCMAKE_MODULE_LINKER_FLAGS=-fsanitize=address,undefined"
  )
fi
"$cmake" "${config_args[@]}" >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log"; fail "configuring the out-of-tree plugin failed"; }
"$cmake" --build "$bld" >"$work/build.log" 2>&1 ||
  { cat "$work/build.log"; fail "building the out-of-tree plugin failed"; }

keel_dir=$(sed -n 's/^keel_DIR:PATH=//p' "$bld/CMakeCache.txt")
[ "$keel_dir" -ef "$prefix/$libdir/cmake/keel" ] ||
  fail "find_package(keel) found '$keel_dir', not the installed $prefix/$libdir/cmake/keel"

# No include path, and (with Ninja) no header actually read, from the keel
# source or build tree: only the installed copy. ($work itself may sit in
# one of them when TMPDIR points there.)
mentions_tree() { # <file> <tree>: prints and succeeds if the file names the tree
  grep -F -- "$2/" "$1" | grep -v -F -- "$work/" >&2
}
for tree in "$source_dir" "$build_dir"; do
  ! mentions_tree "$bld/compile_commands.json" "$tree" ||
    fail "the out-of-tree compile lines above refer to $tree"
done
if [ "$generator" = Ninja ]; then
  "${make_program:-ninja}" -C "$bld" -t deps >"$work/deps.txt"
  grep -F -q -- "$prefix/include/keel/sdk.hpp" "$work/deps.txt" ||
    { cat "$work/deps.txt"; fail "the plugin was not compiled against $prefix/include/keel/sdk.hpp"; }
  for tree in "$source_dir" "$build_dir"; do
    ! mentions_tree "$work/deps.txt" "$tree" ||
      fail "the out-of-tree build read the headers above from $tree"
  done
fi

plugin=$bld/acme_models.so
[ -f "$plugin" ] || fail "no $plugin after the build"

# ------------------------------------------------------- 3. one export only
step "exports of $plugin"
nm -D --defined-only "$plugin" >"$work/exports.txt" || fail "nm -D failed on $plugin"
exports=$(awk '{print $NF}' "$work/exports.txt")
[ "$exports" = keel_plugin_entry ] ||
  fail "expected exactly one exported symbol, keel_plugin_entry; got $(wc -l <"$work/exports.txt"):" \
    "$(echo $exports | cut -c1-300)"
cat "$work/exports.txt"

# ------------------------------------------- 4. the installed keel loads it
step "keel plugin inspect $plugin --json"
"$keel" plugin inspect "$plugin" --json >"$work/inspect.json" ||
  fail "keel plugin inspect exited $?"
"$python" - "$work/inspect.json" "$plugin" <<'EOF' || fail "inspect output is wrong"
import json, os, sys
d = json.load(open(sys.argv[1]))
problems = []
def expect(what, got, want):
    if got != want:
        problems.append(f"{what}: got {got!r}, want {want!r}")
expect("id", d["id"], "acme.models")
expect("vendor", d["vendor"], "Acme Corp")
expect("abi.major", d["abi"]["major"], 1)
expect("build.language", d["build"]["language"], "C++20")
expect("build.pointer_size", d["build"]["pointer_size"], 8)
expect("factory ids", [f["id"] for f in d["factories"]], ["acme.bachelier"])
expect("factory kind", d["factories"][0]["kind"], "keel.pricing_model/1")
expect("normal_vol in schema", "normal_vol" in d["factories"][0]["params_schema"]["properties"], True)
expect("path", os.path.realpath(d["path"]), os.path.realpath(sys.argv[2]))
for p in problems:
    print("  " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF

step "keel plugin check acme.bachelier (the C++ example passes the conformance checks)"
code=0
"$keel" --plugin-path "$bld" plugin check acme.bachelier >"$work/check_cpp.txt" 2>&1 || code=$?
[ "$code" -eq 0 ] || { cat "$work/check_cpp.txt"; fail "keel plugin check acme.bachelier exited $code"; }

# At the forward (S = K, r = q) the Bachelier call and put are both
# D sigma_n sqrt(T) / sqrt(2 pi); every greek has a closed form too.
spot=100 strike=100 expiry=0.5 rate=0.05 dividend=0.05 normal_vol=8
price_args=(--plugin-path "$bld" price --model acme.bachelier --spot $spot --strike $strike
            --expiry $expiry --rate $rate --dividend $dividend --json)
step "keel price --model acme.bachelier (ATM call, put, and the normal_vol param)"
"$keel" "${price_args[@]}" --vol $normal_vol >"$work/call.json" || fail "price (call) exited $?"
"$keel" "${price_args[@]}" --vol $normal_vol --right put >"$work/put.json" ||
  fail "price (put) exited $?"
# The param overrides each option's own vol.
"$keel" "${price_args[@]}" --vol 1 --params "{\"normal_vol\": $normal_vol}" >"$work/param.json" ||
  fail "price with --params normal_vol exited $?"
"$python" - "$work" $spot $expiry $rate $dividend $normal_vol <<'EOF' || fail "Bachelier numbers are wrong"
import json, math, sys
work = sys.argv[1]
S, T, r, q, sigma = map(float, sys.argv[2:])
D = math.exp(-r * T)
F = S * math.exp((r - q) * T)
n0 = 1 / math.sqrt(2 * math.pi)
price = D * sigma * math.sqrt(T) * n0
want = {
    "price": price,
    "delta": math.exp(-q * T) * 0.5,
    "gamma": math.exp((r - 2 * q) * T) * n0 / (sigma * math.sqrt(T)),
    "vega": D * math.sqrt(T) * n0,
    "rho": -T * price + T * D * F * 0.5,
    "theta": r * price - D * ((r - q) * F * 0.5 + sigma * n0 / (2 * math.sqrt(T))),
}
problems = []
for name, sign in (("call", 1), ("put", -1), ("param", 1)):
    got = json.load(open(f"{work}/{name}.json"))
    for greek, value in want.items():
        if greek == "delta" and sign < 0:
            value = -math.exp(-q * T) * 0.5
        if greek == "rho" and sign < 0:
            value = -T * price - T * D * F * 0.5
        if greek == "theta" and sign < 0:
            value = r * price - D * (-(r - q) * F * 0.5 + sigma * n0 / (2 * math.sqrt(T)))
        if not abs(got[greek] - value) <= 1e-9 * max(1.0, abs(value)):
            problems.append(f"{name} {greek}: got {got[greek]!r}, want {value!r}")
print(f"ATM Bachelier: price {price:.12f} (call, put and param agree to 1e-9)")
for p in problems:
    print("  " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF

# expect_fail <exit code> <message fragment> <keel args...>
expect_fail() {
  local want_code=$1 fragment=$2 code=0
  shift 2
  "$keel" "$@" >"$work/out.txt" 2>"$work/err.txt" || code=$?
  [ "$code" -eq "$want_code" ] ||
    { cat "$work/err.txt" >&2; fail "keel $* exited $code, expected $want_code"; }
  grep -F -q -- "$fragment" "$work/err.txt" ||
    { cat "$work/err.txt" >&2; fail "keel $* did not say '$fragment'"; }
}
step "SDK behaviour through the installed keel: params errors, unimplemented implied_vol"
expect_fail 2 "/normal_vol: expected a number in [0," "${price_args[@]}" --vol 8 \
  --params '{"normal_vol": -1}'
expect_fail 2 "did you mean 'normal_vol'" "${price_args[@]}" --vol 8 --params '{"normal_vols": 8}'
expect_fail 2 "does not compute implied volatility" "${price_args[@]}" --premium 1
expect_fail 2 "European exercise only" "${price_args[@]}" --vol 8 --exercise american

# ------------------------------------- 5. the installed keel's own plugins
step "the installed keel finds keel.black_scholes with no --plugin-path"
"$keel" plugin inspect keel.black_scholes --json >"$work/bs.json" ||
  fail "keel plugin inspect keel.black_scholes exited $? (shipped plugin not found)"
"$keel" price --model keel.black_scholes --spot 60 --strike 65 --expiry 0.25 --rate 0.08 \
  --vol 0.3 --json >"$work/haug.json" || fail "keel price --model keel.black_scholes exited $?"
"$python" - "$work" "$prefix/$libdir/keel/plugins" <<'EOF' || fail "shipped plugin check failed"
import json, os, sys
work, plugin_dir = sys.argv[1:]
bs = json.load(open(f"{work}/bs.json"))
problems = []
if bs["factories"][0]["id"] != "keel.black_scholes":
    problems.append(f"factories[0].id is {bs['factories'][0]['id']!r}")
if os.path.dirname(os.path.realpath(bs["path"])) != os.path.realpath(plugin_dir):
    problems.append(f"loaded from {bs['path']}, not from the install's {plugin_dir}")
haug = json.load(open(f"{work}/haug.json"))["price"]
if round(haug, 4) != 2.1334:  # Haug's S=60 K=65 T=0.25 r=8% vol=30% call
    problems.append(f"Haug call priced {haug!r}, published 2.1334")
for p in problems:
    print("  " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF

# --------------------------------- 6./7. C, Rust and OCaml plugins, out of tree
# build_example <name> <example dir> [cmake args...]: builds the example (a
# copy outside the source tree) in $work/<name>-build against $prefix only,
# and checks find_package(keel) found the install.
build_example() {
  local name=$1 example_dir=$2
  shift 2
  local ebld=$work/$name-build
  local args=(-S "$example_dir" -B "$ebld" -G "$generator" -DCMAKE_BUILD_TYPE=RelWithDebInfo
              -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
              -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON "$@")
  [ -n "${make_program:-}" ] && args+=(-DCMAKE_MAKE_PROGRAM="$make_program")
  "$cmake" "${args[@]}" >"$work/$name-configure.log" 2>&1 ||
    { cat "$work/$name-configure.log"; fail "configuring the $name example failed"; }
  "$cmake" --build "$ebld" >"$work/$name-build.log" 2>&1 ||
    { cat "$work/$name-build.log"; fail "building the $name example failed"; }
  local found
  found=$(sed -n 's/^keel_DIR:PATH=//p' "$ebld/CMakeCache.txt")
  [ "$found" -ef "$prefix/$libdir/cmake/keel" ] ||
    fail "$name: find_package(keel) found '$found', not $prefix/$libdir/cmake/keel"
}

# copy_example <example dir> <destination>: the example's files, without a
# build or target folder a developer left in it.
copy_example() {
  mkdir -p "$2"
  tar -C "$1" --exclude=./build --exclude=./target -cf - . | tar -C "$2" -xf -
}

# check_plugin <plugin file>: one export, and the installed `keel plugin
# check` passes (its report is left in $work/check.txt).
check_plugin() {
  local file=$1 code=0 names
  [ -f "$file" ] || fail "no $file after the build"
  names=$(nm -D --defined-only "$file" | awk '{print $NF}')
  [ "$names" = keel_plugin_entry ] ||
    fail "$file: expected exactly one exported symbol, keel_plugin_entry; got: $(echo $names | cut -c1-300)"
  "$keel" plugin check "$file" >"$work/check.txt" 2>&1 || code=$?
  cat "$work/check.txt"
  [ "$code" -eq 0 ] || fail "keel plugin check $file exited $code"
}

# Succeeds (and prints the lines) if the file names the keel source or build tree.
refers_to_trees() {
  mentions_tree "$1" "$source_dir" || mentions_tree "$1" "$build_dir"
}

if [ -n "${c_example:-}" ]; then
  step "C: build $c_example against $prefix only, with no C++ compiler and no nlohmann_json"
  [ -f "$prefix/include/keel/params.h" ] || fail "the install has no include/keel/params.h"
  [ -f "$prefix/$libdir/libkeel_params.a" ] || fail "the install has no $libdir/libkeel_params.a"
  copy_example "$c_example" "$work/c-src"
  grep -q -E '^project\(.*LANGUAGES C\)' "$work/c-src/CMakeLists.txt" ||
    fail "the C example's project() must enable C only"
  # find_package(keel) must need neither a C++ compiler nor nlohmann_json: a
  # C plugin's machine may have neither.
  c_args=(-DCMAKE_C_COMPILER="${c_compiler:?--c-compiler is needed with --c-example}"
          -DCMAKE_CXX_COMPILER=/nonexistent/keel-test/c++
          -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON)
  if [ "$sanitize" = ON ]; then
    # libkeel_params.a was built with the sanitizers: link their runtimes.
    c_args+=("-DCMAKE_C_FLAGS=-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
             "-DCMAKE_MODULE_LINKER_FLAGS=-fsanitize=address,undefined")
  fi
  build_example c "$work/c-src" "${c_args[@]}"
  ! grep -n -E '^CMAKE_CXX_COMPILER(_LOADED)?:' "$work/c-build/CMakeCache.txt" | grep -v nonexistent >&2 ||
    fail "the C example's configure set up a C++ compiler"
  ! refers_to_trees "$work/c-build/compile_commands.json" ||
    fail "the C example's compile lines above refer to a keel tree"
  if [ "$generator" = Ninja ]; then
    "${make_program:-ninja}" -C "$work/c-build" -t deps >"$work/c-deps.txt"
    grep -q -F -- "$prefix/include/keel/params.h" "$work/c-deps.txt" ||
      { cat "$work/c-deps.txt"; fail "the C example was not compiled against $prefix/include/keel/params.h"; }
    ! refers_to_trees "$work/c-deps.txt" || fail "the C example read the headers above from a keel tree"
    "${make_program:-ninja}" -C "$work/c-build" -t commands >"$work/c-commands.txt"
    grep -q -F -- "$prefix/$libdir/libkeel_params.a" "$work/c-commands.txt" ||
      { cat "$work/c-commands.txt"; fail "the C example was not linked with $prefix/$libdir/libkeel_params.a"; }
  fi

  # The C++ SDK still needs nlohmann_json, and says so when it is missing.
  step "C++: without nlohmann_json, keel_add_plugin says what to install"
  code=0
  "$cmake" -S "$src" -B "$work/cxx-no-json-build" -G "$generator" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_CXX_COMPILER="$cxx_compiler" -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON \
    >"$work/cxx-no-json.log" 2>&1 || code=$?
  # (CMake wraps the message: join its lines.)
  [ "$code" -ne 0 ] && tr '\n' ' ' <"$work/cxx-no-json.log" | tr -s ' ' |
    grep -q -F "needs nlohmann_json 3.10 or newer: install Debian's nlohmann-json3-dev" ||
    { cat "$work/cxx-no-json.log"; fail "a C++ plugin configured without nlohmann_json (exit $code)"; }

  c_plugin=$work/c-build/acme_c_models.so
  step "C: keel plugin check $c_plugin"
  check_plugin "$c_plugin"
  grep -q -F "checking acme.c_models" "$work/check.txt" || fail "plugin check did not name acme.c_models"

  step "C: keel price --model acme.black76 (call, put, futures-style, implied vol)"
  c_price=(--plugin-path "$work/c-build" price --model acme.black76 --spot 95 --strike 100
           --expiry 0.75 --rate 0.04 --json)
  "$keel" "${c_price[@]}" --vol 0.25 >"$work/c_call.json" || fail "price (C call) exited $?"
  "$keel" "${c_price[@]}" --vol 0.25 --right put >"$work/c_put.json" || fail "price (C put) exited $?"
  "$keel" "${c_price[@]}" --vol 0.25 --params '{"futures_style": true}' >"$work/c_margined.json" ||
    fail "price (C futures-style) exited $?"
  premium=$("$python" -c 'import json, sys; print(repr(json.load(open(sys.argv[1]))["price"]))' \
    "$work/c_call.json")
  "$keel" "${c_price[@]}" --premium "$premium" >"$work/c_iv.json" || fail "implied vol (C) exited $?"
  "$python" - "$work" <<'EOF' || fail "C Black-76 numbers are wrong"
import json, math, sys
work = sys.argv[1]
F, K, T, r, v = 95.0, 100.0, 0.75, 0.04, 0.25
N = lambda x: 0.5 * math.erfc(-x / math.sqrt(2))
n = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
d1 = (math.log(F / K) + v * v * T / 2) / (v * math.sqrt(T))
d2 = d1 - v * math.sqrt(T)
problems = []
def close(what, got, want, tol=1e-9):
    if not abs(got - want) <= tol * max(1.0, abs(want)):
        problems.append(f"{what}: got {got!r}, want {want!r}")
# Futures-style margined: no discounting, so no rate in theta and rho.
for name, w, rate in (("call", 1, r), ("put", -1, r), ("margined", 1, 0.0)):
    got = json.load(open(f"{work}/c_{name}.json"))
    D = math.exp(-rate * T)
    price = D * w * (F * N(w * d1) - K * N(w * d2))
    want = {"price": price, "delta": D * w * N(w * d1), "gamma": D * n(d1) / (F * v * math.sqrt(T)),
            "vega": D * F * n(d1) * math.sqrt(T), "rho": -T * price if rate else 0.0,
            "theta": rate * price - D * F * n(d1) * v / (2 * math.sqrt(T))}
    for greek, value in want.items():
        close(f"{name} {greek}", got[greek], value)
    print(f"C Black-76 {name}: price {got['price']:.12f} (closed form {price:.12f})")
close("implied vol round trip", json.load(open(f"{work}/c_iv.json"))["implied_vol"], v)
for p in problems:
    print("  " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
  step "C: params errors from the C params helper, through the installed keel"
  expect_fail 2 "/max_iterations: expected an integer in [1, 1000], got 0" "${c_price[@]}" \
    --vol 0.25 --params '{"max_iterations": 0}'
  expect_fail 2 "/futures_stile: unknown param; did you mean 'futures_style'?" "${c_price[@]}" \
    --vol 0.25 --params '{"futures_stile": true}'
  expect_fail 2 "/futures_style: expected true or false, got 1" "${c_price[@]}" \
    --vol 0.25 --params '{"futures_style": 1}'
  expect_fail 2 "European exercise only" "${c_price[@]}" --vol 0.25 --exercise american

  step "C: a run on order-book depth: acme.book_imbalance reads the book (book_levels) and trades"
  cat >"$work/c_depth_run.json" <<EOF
{"run": {"name": "c_depth"},
 "instruments": [{"id": "ESX", "kind": "equity", "tick_size": 0.01, "lot_size": 1}],
 "data": [{"path": "$source_dir/examples/data/demo_depth.csv", "format": "depth"},
          {"path": "$source_dir/examples/data/demo_trades.csv", "format": "trades"}],
 "strategies": [{"name": "imbalance", "factory": "acme.book_imbalance", "instruments": ["ESX"],
                 "params": {"threshold": 0.3, "quantity": 10}}],
 "output": {"dir": "$work/c_depth_out"}}
EOF
  "$keel" --plugin-path "$work/c-build" run "$work/c_depth_run.json" -q >"$work/c_depth.log" 2>&1 ||
    { cat "$work/c_depth.log"; fail "the C depth run exited $?"; }
  "$python" - "$work/c_depth_out" <<'EOF' || fail "the C depth run's report is wrong"
import csv, json, os, sys
out = sys.argv[1]
summary = json.load(open(os.path.join(out, "summary.json")))
fills = list(csv.DictReader(open(os.path.join(out, "fills.csv"))))
problems = []
if summary["status"] != "completed":
    problems.append(f"status {summary['status']!r}")
if not fills:
    problems.append("no fills: the strategy never traded on the book")
elif fills[0]["side"] != "buy" or fills[0]["liquidity"] != "taker":
    problems.append(f"the first fill is {fills[0]!r}, not a taker buy")
held = sum(float(f["quantity"]) * (1 if f["side"] == "buy" else -1) for f in fills)
if held < 0:
    problems.append(f"it sold more than it held ({held})")
for p in problems:
    print("  " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF

  step "C: cmake --install into $prefix; keel finds acme.c_models with no --plugin-path"
  "$cmake" --install "$work/c-build" --prefix "$prefix" >"$work/c-install.log" 2>&1 ||
    { cat "$work/c-install.log"; fail "cmake --install of the C example failed"; }
  "$keel" plugin inspect acme.c_models --json >"$work/c_inspect.json" ||
    fail "keel plugin inspect acme.c_models exited $? (installed plugin not found)"
  "$python" - "$work/c_inspect.json" "$prefix/lib/keel/plugins" <<'EOF' || fail "C plugin inspect is wrong"
import json, os, sys
d = json.load(open(sys.argv[1]))
problems = []
if d["build"]["language"] != "C11":
    problems.append(f"build.language is {d['build']['language']!r}, not 'C11'")
if [f["id"] for f in d["factories"]] != ["acme.black76", "acme.book_imbalance"]:
    problems.append(f"factories are {[f['id'] for f in d['factories']]!r}")
if os.path.dirname(os.path.realpath(d["path"])) != os.path.realpath(sys.argv[2]):
    problems.append(f"loaded from {d['path']}, not from {sys.argv[2]}")
for p in problems:
    print("  " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
fi

if [ -n "${rust_example:-}" ]; then
  step "Rust: build $rust_example against $prefix only (cargo offline)"
  rust_sdk=$prefix/share/keel/rust/keel-sdk
  [ -f "$rust_sdk/Cargo.toml" ] && [ -f "$rust_sdk/src/lib.rs" ] ||
    fail "the install has no keel-sdk crate in $rust_sdk"
  [ -f "$prefix/$libdir/cmake/keel/KeelRust.cmake" ] || fail "the install has no KeelRust.cmake"
  copy_example "$rust_example" "$work/rust-src"
  # Cargo.toml names keel-sdk by version; keel_add_rust_plugin tells cargo
  # where this install keeps it. No path may be written into the example.
  ! grep -n -E '^[^#]*path *=' "$work/rust-src/Cargo.toml" >&2 ||
    fail "the Rust example's Cargo.toml names a path (above); keel-sdk must come from the install"
  build_example rust "$work/rust-src"
  # cargo's target dir is in the example's build folder, nothing in its sources.
  [ -d "$work/rust-build/cargo-target/release" ] ||
    fail "cargo did not build in $work/rust-build/cargo-target"
  [ ! -e "$work/rust-src/target" ] || fail "cargo wrote a target/ folder into the example's sources"
  # cargo's dep-info names every source file the plugin was compiled from.
  deps=$work/rust-build/cargo-target/release/libacme_rs_models.d
  [ -f "$deps" ] || fail "no $deps"
  grep -q -F "$rust_sdk/src/lib.rs" "$deps" || { cat "$deps"; fail "the plugin was not built from $rust_sdk"; }
  ! refers_to_trees "$deps" || fail "the Rust plugin was compiled from the keel files above"

  # The example gives keel_add_rust_plugin no OUTPUT_DIRECTORY: the plugin
  # is in its own build folder (not /acme_rs_models.so, as it once was).
  rust_plugin=$work/rust-build/acme_rs_models.so
  step "Rust: keel plugin check $rust_plugin"
  check_plugin "$rust_plugin"
  grep -q -F "checking acme.rs_models" "$work/check.txt" || fail "plugin check did not name acme.rs_models"
  # ... nor INSTALL_DESTINATION: it installs to lib/keel/plugins.
  step "Rust: cmake --install puts the plugin in lib/keel/plugins"
  "$cmake" --install "$work/rust-build" --prefix "$work/rust-install" >"$work/rust-install.log" 2>&1 ||
    { cat "$work/rust-install.log"; fail "cmake --install of the Rust example failed"; }
  [ -f "$work/rust-install/lib/keel/plugins/acme_rs_models.so" ] ||
    { find "$work/rust-install" >&2; fail "the Rust example did not install to lib/keel/plugins"; }

  step "Rust: keel price --model acme.rs_bachelier (call and put, away from the money)"
  rs_args=(--plugin-path "$work/rust-build" price --model acme.rs_bachelier --spot 103 --strike 97
           --expiry 0.75 --rate 0.03 --dividend 0.01 --vol 9 --json)
  "$keel" "${rs_args[@]}" >"$work/rs_call.json" || fail "price (Rust call) exited $?"
  "$keel" "${rs_args[@]}" --right put >"$work/rs_put.json" || fail "price (Rust put) exited $?"
  "$python" - "$work" <<'EOF' || fail "Rust Bachelier numbers are wrong"
import json, math, sys
work = sys.argv[1]
S, K, T, r, q, sigma = 103.0, 97.0, 0.75, 0.03, 0.01, 9.0
D = math.exp(-r * T)
F = S * math.exp((r - q) * T)
s = sigma * math.sqrt(T)
d = (F - K) / s
N = lambda x: 0.5 * math.erfc(-x / math.sqrt(2))
n = math.exp(-d * d / 2) / math.sqrt(2 * math.pi)
problems = []
for name, w in (("call", 1), ("put", -1)):
    got = json.load(open(f"{work}/rs_{name}.json"))
    price = D * (w * (F - K) * N(w * d) + s * n)
    want = {"price": price, "delta": w * math.exp(-q * T) * N(w * d), "vega": D * math.sqrt(T) * n,
            "gamma": math.exp((r - 2 * q) * T) * n / s}
    for greek, value in want.items():
        if not abs(got[greek] - value) <= 1e-9 * max(1.0, abs(value)):
            problems.append(f"{name} {greek}: got {got[greek]!r}, want {value!r}")
    print(f"Rust Bachelier {name}: price {got['price']:.12f} (closed form {price:.12f})")
for p in problems:
    print("  " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
  expect_fail 2 "/normal_vol: expected a number in [0," "${rs_args[@]}" --params '{"normal_vol": -1}'
  expect_fail 2 "European exercise only" "${rs_args[@]}" --exercise american
fi

if [ -n "${ocaml_example:-}" ]; then
  step "OCaml: build $ocaml_example against $prefix only"
  [ -f "$prefix/$libdir/cmake/keel/KeelOCaml.cmake" ] || fail "the install has no KeelOCaml.cmake"
  [ -f "$prefix/$libdir/cmake/keel/ocaml/keel_ocaml_glue.c" ] || fail "the install has no OCaml SDK sources"
  copy_example "$ocaml_example" "$work/ocaml-src"
  build_example ocaml "$work/ocaml-src" -DCMAKE_C_COMPILER="${c_compiler:?--c-compiler is needed with --ocaml-example}"
  ! refers_to_trees "$work/ocaml-build/compile_commands.json" ||
    fail "the OCaml example's compile lines above refer to a keel tree"
  if [ "$generator" = Ninja ]; then
    # The Keel OCaml library was compiled from the installed sources.
    "${make_program:-ninja}" -C "$work/ocaml-build" -t commands >"$work/ocaml-commands.txt"
    grep -q -F "$prefix/$libdir/cmake/keel/ocaml/plugin.ml" "$work/ocaml-commands.txt" ||
      fail "the Keel OCaml library was not built from $prefix/$libdir/cmake/keel/ocaml"
    ! refers_to_trees "$work/ocaml-commands.txt" ||
      fail "the OCaml example's build commands above refer to a keel tree"
  fi

  ocaml_plugin=$work/ocaml-build/acme_ml_models.so
  step "OCaml: keel plugin check $ocaml_plugin"
  check_plugin "$ocaml_plugin"
  grep -q -F "checking acme.ml_models" "$work/check.txt" || fail "plugin check did not name acme.ml_models"

  step "OCaml: keel price --model acme.ml_black_scholes vs the closed form and keel.black_scholes"
  ml_args=(--plugin-path "$work/ocaml-build" price --model acme.ml_black_scholes
           --spot 60 --strike 65 --expiry 0.25 --rate 0.08 --dividend 0.02 --json)
  "$keel" "${ml_args[@]}" --vol 0.3 >"$work/ml_call.json" || fail "price (OCaml call) exited $?"
  "$keel" "${ml_args[@]}" --vol 0.3 --right put >"$work/ml_put.json" || fail "price (OCaml put) exited $?"
  "$keel" price --model keel.black_scholes --spot 60 --strike 65 --expiry 0.25 --rate 0.08 \
    --dividend 0.02 --vol 0.3 --json >"$work/bs_call.json" || fail "price (keel.black_scholes) exited $?"
  premium=$("$python" -c 'import json, sys; print(repr(json.load(open(sys.argv[1]))["price"]))' \
    "$work/ml_call.json")
  "$keel" "${ml_args[@]}" --premium "$premium" >"$work/ml_iv.json" ||
    fail "implied vol (OCaml) exited $?"
  "$python" - "$work" <<'EOF' || fail "OCaml Black-Scholes numbers are wrong"
import json, math, sys
work = sys.argv[1]
S, K, T, r, q, v = 60.0, 65.0, 0.25, 0.08, 0.02, 0.3
N = lambda x: 0.5 * math.erfc(-x / math.sqrt(2))
d1 = (math.log(S / K) + (r - q + v * v / 2) * T) / (v * math.sqrt(T))
d2 = d1 - v * math.sqrt(T)
problems = []
def close(what, got, want, tol=1e-9):
    if not abs(got - want) <= tol * max(1.0, abs(want)):
        problems.append(f"{what}: got {got!r}, want {want!r}")
for name, w in (("call", 1), ("put", -1)):
    got = json.load(open(f"{work}/ml_{name}.json"))
    close(f"{name} price", got["price"],
          w * (S * math.exp(-q * T) * N(w * d1) - K * math.exp(-r * T) * N(w * d2)))
    close(f"{name} delta", got["delta"], w * math.exp(-q * T) * N(w * d1))
    print(f"OCaml Black-Scholes {name}: price {got['price']:.12f}")
ml, bs = json.load(open(f"{work}/ml_call.json")), json.load(open(f"{work}/bs_call.json"))
for greek in ("price", "delta", "gamma", "vega", "theta", "rho"):
    close(f"{greek} vs keel.black_scholes", ml[greek], bs[greek], 1e-8)
close("implied vol round trip", json.load(open(f"{work}/ml_iv.json"))["implied_vol"], v, 1e-9)
for p in problems:
    print("  " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
  expect_fail 2 "/tolerance: expected a finite number" "${ml_args[@]}" --vol 0.3 \
    --params '{"tolerance": 0}'
  expect_fail 2 "European exercise only" "${ml_args[@]}" --vol 0.3 --exercise american
fi

# An OCaml program over Keel_embed, built against the install alone
# (keel_add_ocaml_embed_executable finds the installed libkeel).
if [ -n "${ocaml_example:-}" ] && [ "$sanitize" != ON ]; then
  step "OCaml: a program prices Haug's call through the installed libkeel (Keel_embed)"
  mkdir -p "$work/ml-embed-src"
  cat >"$work/ml-embed-src/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(haug_ml LANGUAGES C)
find_package(keel REQUIRED)
keel_add_ocaml_embed_executable(haug SOURCES haug.ml)
CMAKE
  cat >"$work/ml-embed-src/haug.ml" <<'ML'
let () =
  let host = Keel_embed.open_ () in
  let bs = Keel_embed.model host "keel.black_scholes" in
  let g = Keel_embed.price bs { spot = 60.; strike = 65.; expiry = 0.25; vol = 0.3; rate = 0.08;
                                dividend = 0.; right = Call; exercise = European } in
  Printf.printf "%.4f\n" g.Keel_embed.price;
  Keel_embed.drop bs;
  Keel_embed.close host
ML
  build_example ml-embed "$work/ml-embed-src" -DCMAKE_C_COMPILER="${c_compiler:?}"
  out=$(env -u LD_LIBRARY_PATH "$work/ml-embed-build/bin/haug") ||
    fail "the OCaml embedding program failed: $out"
  [ "$out" = "2.1334" ] || fail "the OCaml embedding program printed '$out', expected 2.1334"
  echo "  $out"
fi

echo "sdk.out_of_tree_plugin: OK"
