#!/bin/sh
# Builds the optional native AOI kernels into native/build/aoi_grid.node. Not part of npm install: the
# TypeScript grid is the reference and the fallback, and src/aoi/native-grid.ts returns null when this
# file is absent. -ffp-contract=off keeps float evaluation identical to JavaScript (see aoi-grid.cc);
# the default target is the compiler's baseline, so a build (an image) runs on any CPU of the architecture;
# AOI_NATIVE_ARCH=-march=native opts in to this CPU's vector units (the AVX2 / AVX-512 flip loop), for a
# build that only ever runs where it was made (an -march=native binary can die with SIGILL elsewhere).
set -eu
cd "$(dirname "$0")"
mkdir -p build
NODE_INCLUDE="${NODE_INCLUDE:-/usr/include/node}"
${CXX:-g++} -O3 ${AOI_NATIVE_ARCH:-} -std=c++17 -fPIC -shared -ffp-contract=off -fno-fast-math \
  -DNODE_GYP_MODULE_NAME=aoi_grid -I"$NODE_INCLUDE" \
  -o build/aoi_grid.node aoi-grid.cc
echo "built native/build/aoi_grid.node"
