#!/bin/sh
# Builds the optional native AOI kernels into native/build/aoi_grid.node. Not part of npm install: the
# TypeScript grid is the reference and the fallback, and src/aoi/native-grid.ts returns null when this
# file is absent. -ffp-contract=off keeps float evaluation identical to JavaScript (see aoi-grid.cc);
# -march=native lets the flip loop vectorize (set AOI_NATIVE_ARCH=-O3 or similar to build portably).
set -eu
cd "$(dirname "$0")"
mkdir -p build
NODE_INCLUDE="${NODE_INCLUDE:-/usr/include/node}"
${CXX:-g++} -O3 ${AOI_NATIVE_ARCH:--march=native} -std=c++17 -fPIC -shared -ffp-contract=off -fno-fast-math \
  -DNODE_GYP_MODULE_NAME=aoi_grid -I"$NODE_INCLUDE" \
  -o build/aoi_grid.node aoi-grid.cc
echo "built native/build/aoi_grid.node"
