#!/usr/bin/env bash
# The installed package as an embedder meets it: `cmake --install` of this
# build into a fresh prefix, then examples/embed built against it twice —
# with find_package(Baton) and with pkg-config — and run on its plan of
# simulated agents. Usage: embed_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
for f in include/baton/baton.hpp include/baton/run.hpp bin/baton; do
  [ -e "$prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done
ls "$prefix"/lib*/libbaton.so* >/dev/null
ls "$prefix"/lib*/cmake/Baton/BatonConfig.cmake >/dev/null
pc=$(ls "$prefix"/lib*/pkgconfig/baton.pc)
# Nothing of the build tree leaks into the public headers.
if grep -rn '#include "' "$prefix/include/baton" | grep -v '"baton/'; then
  echo "a public header includes an internal one"; exit 1
fi

# 1. find_package(Baton) in a separate CMake project.
cmake -S "$src/examples/embed" -B "$work/cmake-build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
cp "$src/examples/embed/plan.toml" "$work/plan.toml"
# The installed baton (for the sim agents) is found beside the library:
# nothing of the build tree is on PATH.
(cd "$work" && PATH=/usr/bin:/bin "$work/cmake-build/embed" plan.toml) \
  > "$work/out.txt"
cat "$work/out.txt"
grep -q '^added: o1$' "$work/out.txt"
grep -q '^draft: passed' "$work/out.txt"
grep -q '^check: passed' "$work/out.txt"
grep -q '^summary: passed' "$work/out.txt"
grep -q '^3/3 tasks passed' "$work/out.txt"
grep -q '"operatorCommand"' "$work/out.txt"
# The steered run replays identically.
"$prefix/bin/baton" replay "$work/embed.log"

# 2. pkg-config, with a plain compiler command line.
PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --exists baton
c++ "$src/examples/embed/main.cpp" -o "$work/embed-pc" \
  $(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs baton)
(cd "$work" && PATH=/usr/bin:/bin "$work/embed-pc" plan.toml) > "$work/out2.txt"
grep -q '^3/3 tasks passed' "$work/out2.txt"
echo "embed: installed package found by CMake and pkg-config; both programs ran"
