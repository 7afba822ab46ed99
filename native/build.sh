#!/bin/sh
# Builds the optional native AOI kernels into native/build/aoi_grid.node. Not part of npm install: the
# TypeScript grid is the reference and the fallback, and src/aoi/native-grid.ts returns null when this
# file is absent. -ffp-contract=off keeps float evaluation identical to JavaScript (see aoi-grid.cc);
# the default target is the compiler's baseline, so a build (an image) runs on any CPU of the architecture:
# the pair loop's AVX2 and AVX-512 versions are compiled in with per-function targets and picked at run
# time from the CPU's features. AOI_NATIVE_ARCH=-march=native lets the compiler use this CPU's
# instructions everywhere else too, for a build that only ever runs where it was made (it can die with
# SIGILL elsewhere).
set -eu
cd "$(dirname "$0")"
mkdir -p build
NODE_INCLUDE="${NODE_INCLUDE:-/usr/include/node}"
${CXX:-g++} -O3 ${AOI_NATIVE_ARCH:-} -std=c++17 -fPIC -shared -ffp-contract=off -fno-fast-math \
  -DNODE_GYP_MODULE_NAME=aoi_grid -I"$NODE_INCLUDE" \
  -o build/aoi_grid.node aoi-grid.cc
echo "built native/build/aoi_grid.node"
