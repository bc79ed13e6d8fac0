#!/usr/bin/env bash
# Installs what respect needs on Debian 12 (only the missing packages; apt-get as root) and builds
# build/respect. Usage: scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# Why each package: see README.md ("Dependencies").
PACKAGES=(cmake g++ make pkg-config
  libprotobuf-dev protobuf-compiler libonnx-dev
  libflatbuffers-dev flatbuffers-compiler
  nlohmann-json3-dev libcli11-dev libfmt-dev
  libgtest-dev libgmock-dev libgraphviz-dev coinor-libcbc-dev
  libtorch-dev libopenblas0-openmp libgloo-dev
  pybind11-dev python3-dev python3-pytest)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j "$(nproc)"

# The Python module (`import respect`) for Debian's /usr/bin/python3: build/python/respect is
# copied into its site directory (as root; otherwise say how to use it from the build).
if [ -f build/python/respect/__init__.py ]; then
  site="$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  if [ "$(id -u)" -eq 0 ] && mkdir -p "$site" 2> /dev/null; then
    rm -rf "$site/respect.tmp" && cp -r build/python/respect "$site/respect.tmp" &&
      rm -rf "$site/respect" && mv "$site/respect.tmp" "$site/respect"
    echo "setup: Python module installed in $site/respect (import respect)" >&2
  else
    echo "setup: Python module built in build/python/respect: export PYTHONPATH=$PWD/build/python" >&2
  fi
fi
