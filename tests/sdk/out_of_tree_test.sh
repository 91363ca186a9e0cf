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
#      --plugin-path.
#
# Arguments (all --name=value, passed by tests/sdk/CMakeLists.txt):
#   --build-dir   the keel build tree to install
#   --example     examples/third_party_plugin in the source tree
#   --source-dir  the keel source tree (must not leak into the build)
#   --cmake --generator --make-program --cxx-compiler --python
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
expect("factory kind", d["factories"][0]["kind"], "keel.pricing-model/1")
expect("normal_vol in schema", "normal_vol" in d["factories"][0]["params_schema"]["properties"], True)
expect("path", os.path.realpath(d["path"]), os.path.realpath(sys.argv[2]))
for p in problems:
    print("  " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF

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

echo "sdk.out_of_tree_plugin: OK"
