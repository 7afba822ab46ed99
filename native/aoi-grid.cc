// Optional native kernels for src/aoi/grid-*.ts: the same algorithm, line for line, over the same typed
// arrays (the TypeScript code is the reference and the fallback; both run the same contract suite).
// Plain Node-API C calls, no node-addon-api. Build with native/build.sh.
//
// Arithmetic must match the seam's rule bit for bit: float32 storage, float64 evaluation, IEEE NaN
// semantics. So: no -ffast-math, and -ffp-contract=off (an FMA in dx*dx + dz*dz would round differently
// from JavaScript at the exact-radius boundary).
#include <node_api.h>
#include <cmath>
#include <cstdint>
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>
#if defined(__x86_64__)
// The vector pair loops are compiled for AVX2 and AVX-512 with per-function target attributes and chosen
// at run time from the CPU's features, so one portable binary (no -march) runs everywhere and still uses
// the vector units where they exist.
#define AOI_X86 1
#include <immintrin.h>
#endif

namespace {

template <typename T>
T* data(napi_env env, napi_value v, size_t* len = nullptr) {
  napi_typedarray_type type;
  size_t length = 0;
  void* ptr = nullptr;
  napi_value buf;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, v, &type, &length, &ptr, &buf, &offset) != napi_ok) return nullptr;
  if (len != nullptr) *len = length;
  return static_cast<T*>(ptr);
}

double num(napi_env env, napi_value v) {
  double d = 0;
  napi_get_value_double(env, v, &d);
  return d;
}

struct Args {
  napi_value v[48];
  size_t n = 48;
  Args(napi_env env, napi_callback_info info) { napi_get_cb_info(env, info, &n, v, nullptr, nullptr); }
};

// The scatters place every entity by two floors. Without SSE4.1's round instruction a floor is a
// compare-and-correct sequence, and the pair of them was 12% of a 10k all-moving scatter on Zen 4. So each
// scatter body is also compiled inside an SSE4.1 wrapper (flatten inlines the body, its lambdas and the
// floors into it), used where the CPU has SSE4.1 unless the trailing level argument is 0 (scalar, as a
// pinned sweep level pins it: the contract suite runs both). Floor is exact either way, so both place
// identically. (GCC 12's target_clones emits such a function's symbol twice in this file, hence by hand.)
int32_t levelArg(napi_env env, napi_callback_info info, size_t at) {
  Args a(env, info);
  return a.n > at ? static_cast<int32_t>(num(env, a.v[at])) : -1;
}
#if defined(AOI_X86)
bool hasSse41() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.1");
}
#define AOI_SSE41_CLONE(Name, levelAt)                                                                     \
  __attribute__((target("sse4.1"), flatten)) napi_value Name##Sse41(napi_env env, napi_callback_info info) { \
    return Name##Body(env, info);                                                                          \
  }                                                                                                        \
  napi_value Name(napi_env env, napi_callback_info info) {                                                 \
    const bool vector = levelArg(env, info, levelAt) != 0 && hasSse41();                                   \
    return vector ? Name##Sse41(env, info) : Name##Body(env, info);                                        \
  }
#else
#define AOI_SSE41_CLONE(Name, levelAt) \
  napi_value Name(napi_env env, napi_callback_info info) { return Name##Body(env, info); }
#endif

// Vector levels: 0 scalar, 1 AVX2, 2 AVX-512. The best this CPU runs.
int32_t bestLevel() {
#if defined(AOI_X86)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return 2;
  if (__builtin_cpu_supports("avx2")) return 1;
#endif
  return 0;
}

// The per-handle pass of classify (grid-kernels-ts.ts), with its running results.
struct Classifier {
  const uint8_t *oP, *nP, *changed;
  const float *ox, *oz, *orr, *nx, *nz, *nr;
  int32_t *hCell, *bigOut;
  double big, fast2;
  int32_t count = 0, bigCount = 0;
  double minX = INFINITY, minZ = INFINITY, maxX = -INFINITY, maxZ = -INFINITY;
  double sweepR = 0, move2 = 0, smallR = 0, minR = INFINITY;

  void one(int32_t h) {
    const uint8_t op = oP[h], np = nP[h];
    if ((op | np) == 0) {
      hCell[h] = -1;
      return;
    }
    count++;
    const double x = np == 1 ? nx[h] : ox[h];
    const double z = np == 1 ? nz[h] : oz[h];
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (z < minZ) minZ = z;
    if (z > maxZ) maxZ = z;
    const double ro = op == 1 ? orr[h] : 0;
    const double rn = np == 1 ? nr[h] : 0;
    if (np == 1) {
      if (rn > big) bigOut[bigCount++] = h;
      else if (rn > smallR) smallR = rn;
    }
    bool special = ro > big || rn > big;
    if (changed[h] == 1 && (op & np) == 1) {
      const double dx = static_cast<double>(nx[h]) - ox[h];
      const double dz = static_cast<double>(nz[h]) - oz[h];
      const double d2 = dx * dx + dz * dz;
      if (d2 > fast2) special = true;
      else if (!special && d2 > move2) move2 = d2;
    }
    hCell[h] = special ? 1 : 0;
    if (!special) {
      if (ro > sweepR) sweepR = ro;
      if (rn > sweepR) sweepR = rn;
      if (op == 1 && ro < minR) minR = ro;
      if (np == 1 && rn < minR) minR = rn;
    }
  }
};

void classifyScalar(Classifier& c, int32_t limit) {
  for (int32_t h = 0; h < limit; h++) c.one(h);
}

#if defined(AOI_X86)
// Squared move of four handles from the float32 columns, in float64 as Classifier::one computes it.
__attribute__((target("avx2"), always_inline)) inline __m256d move2x4(const Classifier& c, int32_t h) {
  const __m256d dx = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(c.nx + h)), _mm256_cvtps_pd(_mm_loadu_ps(c.ox + h)));
  const __m256d dz = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(c.nz + h)), _mm256_cvtps_pd(_mm_loadu_ps(c.oz + h)));
  return _mm256_add_pd(_mm256_mul_pd(dx, dx), _mm256_mul_pd(dz, dz));
}

// The min or max of eight float lanes and a running value (a lambda would not carry the target).
__attribute__((target("avx2"))) inline double foldLanes(__m256 v, bool max, double into) {
  alignas(32) float f[8];
  _mm256_store_ps(f, v);
  for (float e : f) into = max ? (e > into ? e : into) : (e < into ? e : into);
  return into;
}

// Eight handles per step where all eight are the common case: present before and after, radii not big,
// moved (if at all) less than the fast-move cut. Then nothing is special, and every result is a min or
// max over the lanes; an unchanged handle has new == old, so its move is 0 and needs no changed test.
// Any other block goes through Classifier::one, handle by handle, so the results are the scalar ones.
__attribute__((target("avx2"))) void classifyAvx2(Classifier& c, int32_t limit) {
  const __m256 bigV = _mm256_set1_ps(static_cast<float>(c.big));
  const __m256d fastV = _mm256_set1_pd(c.fast2);
  __m256 minX = _mm256_set1_ps(INFINITY), minZ = minX, minR = minX;
  __m256 maxX = _mm256_set1_ps(-INFINITY), maxZ = maxX, maxR = _mm256_setzero_ps(), maxRn = maxR;
  __m256d move2 = _mm256_setzero_pd();
  int32_t h = 0;
  for (; h + 8 <= limit; h += 8) {
    uint64_t op, np;
    std::memcpy(&op, c.oP + h, 8);
    std::memcpy(&np, c.nP + h, 8);
    const __m256 ro = _mm256_loadu_ps(c.orr + h), rn = _mm256_loadu_ps(c.nr + h);
    // `big` is compared in float64 by the scalar pass; float(big) can round either way, so only lanes
    // clearly below it (at most the float just under float(big)) take the vector path.
    const bool small = _mm256_movemask_ps(_mm256_or_ps(_mm256_cmp_ps(ro, bigV, _CMP_GE_OQ),
                                                       _mm256_cmp_ps(rn, bigV, _CMP_GE_OQ))) == 0;
    const __m256d m0 = move2x4(c, h), m1 = move2x4(c, h + 4);
    const bool slow = _mm256_movemask_pd(_mm256_or_pd(_mm256_cmp_pd(m0, fastV, _CMP_GT_OQ),
                                                      _mm256_cmp_pd(m1, fastV, _CMP_GT_OQ))) != 0;
    if (op != 0x0101010101010101ULL || np != 0x0101010101010101ULL || !small || slow) {
      for (int32_t k = h; k < h + 8; k++) c.one(k);
      continue;
    }
    const __m256 x = _mm256_loadu_ps(c.nx + h), z = _mm256_loadu_ps(c.nz + h);
    minX = _mm256_min_ps(minX, x);
    maxX = _mm256_max_ps(maxX, x);
    minZ = _mm256_min_ps(minZ, z);
    maxZ = _mm256_max_ps(maxZ, z);
    maxR = _mm256_max_ps(maxR, _mm256_max_ps(ro, rn));
    minR = _mm256_min_ps(minR, _mm256_min_ps(ro, rn));
    maxRn = _mm256_max_ps(maxRn, rn);
    move2 = _mm256_max_pd(move2, _mm256_max_pd(m0, m1));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c.hCell + h), _mm256_setzero_si256());
    c.count += 8;
  }
  for (; h < limit; h++) c.one(h);
  c.minX = foldLanes(minX, false, c.minX);
  c.maxX = foldLanes(maxX, true, c.maxX);
  c.minZ = foldLanes(minZ, false, c.minZ);
  c.maxZ = foldLanes(maxZ, true, c.maxZ);
  c.sweepR = foldLanes(maxR, true, c.sweepR);
  c.minR = foldLanes(minR, false, c.minR);
  c.smallR = foldLanes(maxRn, true, c.smallR);
  alignas(32) double d[4];
  _mm256_store_pd(d, move2);
  for (double e : d) c.move2 = e > c.move2 ? e : c.move2;
}
#endif

// classify(limit, oP, nP, ox, oz, or, nx, nz, nr, changed, hCell, bigOut, big, fast2, stats, level)
// level: as the sweep's (-1 auto; 0 scalar; 1 or more: the AVX2 block path where the CPU has it).
napi_value Classify(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int32_t limit = static_cast<int32_t>(num(env, a.v[0]));
  Classifier c;
  c.oP = data<uint8_t>(env, a.v[1]);
  c.nP = data<uint8_t>(env, a.v[2]);
  c.ox = data<float>(env, a.v[3]);
  c.oz = data<float>(env, a.v[4]);
  c.orr = data<float>(env, a.v[5]);
  c.nx = data<float>(env, a.v[6]);
  c.nz = data<float>(env, a.v[7]);
  c.nr = data<float>(env, a.v[8]);
  c.changed = data<uint8_t>(env, a.v[9]);
  c.hCell = data<int32_t>(env, a.v[10]);
  c.bigOut = data<int32_t>(env, a.v[11]);
  c.big = num(env, a.v[12]);
  c.fast2 = num(env, a.v[13]);
  double* stats = data<double>(env, a.v[14]);
  const int32_t level = static_cast<int32_t>(num(env, a.v[15]));
#if defined(AOI_X86)
  if (level != 0 && bestLevel() >= 1) classifyAvx2(c, limit);
  else classifyScalar(c, limit);
#else
  classifyScalar(c, limit);
#endif
  stats[0] = c.count;
  stats[1] = c.minX;
  stats[2] = c.minZ;
  stats[3] = c.maxX;
  stats[4] = c.maxZ;
  stats[5] = c.sweepR;
  stats[6] = c.move2;
  stats[7] = c.smallR;
  stats[8] = c.bigCount;
  stats[9] = c.minR;
  return nullptr;
}

// scatter(limit, oP, nP, ox, oz, or, nx, nz, nr, changed, hCell, cellStart, inv, cx0, cz0, width, cells,
//         sH, sCell, sFlag, qX, qZ, sX, sZ, sOX, sOZ, sR2, sOR2, changedIdx, specialIdx, count, stats, level)
inline napi_value ScatterBody(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int32_t limit = static_cast<int32_t>(num(env, a.v[0]));
  const uint8_t* oP = data<uint8_t>(env, a.v[1]);
  const uint8_t* nP = data<uint8_t>(env, a.v[2]);
  const float* ox = data<float>(env, a.v[3]);
  const float* oz = data<float>(env, a.v[4]);
  const float* orr = data<float>(env, a.v[5]);
  const float* nx = data<float>(env, a.v[6]);
  const float* nz = data<float>(env, a.v[7]);
  const float* nr = data<float>(env, a.v[8]);
  const uint8_t* changed = data<uint8_t>(env, a.v[9]);
  int32_t* hCell = data<int32_t>(env, a.v[10]);
  int32_t* cellStart = data<int32_t>(env, a.v[11]);
  const double inv = num(env, a.v[12]);  // 1 / cell, the same double TypeScript multiplies by
  const double cx0 = num(env, a.v[13]);
  const double cz0 = num(env, a.v[14]);
  const int32_t width = static_cast<int32_t>(num(env, a.v[15]));
  const int32_t cells = static_cast<int32_t>(num(env, a.v[16]));
  int32_t* sH = data<int32_t>(env, a.v[17]);
  int32_t* sCell = data<int32_t>(env, a.v[18]);
  uint8_t* sFlag = data<uint8_t>(env, a.v[19]);
  float* qX = data<float>(env, a.v[20]);
  float* qZ = data<float>(env, a.v[21]);
  float* sX = data<float>(env, a.v[22]);
  float* sZ = data<float>(env, a.v[23]);
  float* sOX = data<float>(env, a.v[24]);
  float* sOZ = data<float>(env, a.v[25]);
  double* sR2 = data<double>(env, a.v[26]);
  double* sOR2 = data<double>(env, a.v[27]);
  int32_t* changedIdx = data<int32_t>(env, a.v[28]);
  int32_t* specialIdx = data<int32_t>(env, a.v[29]);
  const int32_t count = static_cast<int32_t>(num(env, a.v[30]));
  double* stats = data<double>(env, a.v[31]);
  for (int32_t c = 0; c <= cells; c++) cellStart[c] = 0;
  for (int32_t h = 0; h < limit; h++) {
    const int32_t flag = hCell[h];
    if (flag < 0) continue;
    const bool np = nP[h] == 1;
    const double x = np ? nx[h] : ox[h];
    const double z = np ? nz[h] : oz[h];
    const int32_t c = static_cast<int32_t>((std::floor(z * inv) - cz0) * width + (std::floor(x * inv) - cx0));
    hCell[h] = c * 2 + flag;
    cellStart[c + 1]++;
  }
  for (int32_t c = 0; c < cells; c++) cellStart[c + 1] += cellStart[c];
  const float nan = NAN;
  for (int32_t h = 0; h < limit; h++) {
    const int32_t packed = hCell[h];
    if (packed < 0) continue;
    const int32_t c = packed >> 1;
    const int32_t i = cellStart[c]++;
    const bool op = oP[h] == 1, np = nP[h] == 1;
    const int32_t special = packed & 1;
    sH[i] = h;
    sCell[i] = c;
    sFlag[i] = static_cast<uint8_t>(changed[h] | (special << 1));
    const float x = np ? nx[h] : nan;
    const float z = np ? nz[h] : nan;
    qX[i] = x;
    qZ[i] = z;
    const bool sweepNew = special == 0 && np;
    const bool sweepOld = special == 0 && op;
    sX[i] = sweepNew ? x : nan;
    sZ[i] = sweepNew ? z : nan;
    sOX[i] = sweepOld ? ox[h] : nan;
    sOZ[i] = sweepOld ? oz[h] : nan;
    double r = nr[h];
    sR2[i] = r * r;
    r = orr[h];
    sOR2[i] = r * r;
    hCell[h] = -1;
  }
  for (int32_t c = cells; c > 0; c--) cellStart[c] = cellStart[c - 1];
  cellStart[0] = 0;
  int32_t changedCount = 0, specialCount = 0;
  for (int32_t i = 0; i < count; i++) {
    const uint8_t f = sFlag[i];
    if ((f & 2) != 0) specialIdx[specialCount++] = i;
    else if ((f & 1) != 0) changedIdx[changedCount++] = i;
  }
  stats[0] = changedCount;
  stats[1] = specialCount;
  return nullptr;
}
AOI_SSE41_CLONE(Scatter, 32)

// scatterCoherent(<scatter's first 32 arguments>, prevCount, pH, pQX, pQZ, pR2, changedList, changedCount,
//                 work, seen, uniformR2, level): `work` holds 5 x count ints (seen is not used here: see
//                 PLACED); it comes from the caller so no call allocates (fresh pages fault, slowly).
// the same layout as Scatter, but entities are visited in the PREVIOUS layout's order (then the newly
// added ones). Between two updates almost every entity stays in its cell, so the writes below walk the
// arrays nearly sequentially instead of scattering by handle, and unchanged entities are copied from
// the previous layout instead of read from the handle-indexed table.
inline napi_value ScatterCoherentBody(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int32_t limit = static_cast<int32_t>(num(env, a.v[0]));
  const uint8_t* oP = data<uint8_t>(env, a.v[1]);
  const uint8_t* nP = data<uint8_t>(env, a.v[2]);
  const float* ox = data<float>(env, a.v[3]);
  const float* oz = data<float>(env, a.v[4]);
  const float* orr = data<float>(env, a.v[5]);
  const float* nx = data<float>(env, a.v[6]);
  const float* nz = data<float>(env, a.v[7]);
  const float* nr = data<float>(env, a.v[8]);
  const uint8_t* changed = data<uint8_t>(env, a.v[9]);
  int32_t* hCell = data<int32_t>(env, a.v[10]);
  int32_t* cellStart = data<int32_t>(env, a.v[11]);
  const double inv = num(env, a.v[12]);  // 1 / cell, the same double TypeScript multiplies by
  const double cx0 = num(env, a.v[13]);
  const double cz0 = num(env, a.v[14]);
  const int32_t width = static_cast<int32_t>(num(env, a.v[15]));
  const int32_t cells = static_cast<int32_t>(num(env, a.v[16]));
  int32_t* sH = data<int32_t>(env, a.v[17]);
  int32_t* sCell = data<int32_t>(env, a.v[18]);
  uint8_t* sFlag = data<uint8_t>(env, a.v[19]);
  float* qX = data<float>(env, a.v[20]);
  float* qZ = data<float>(env, a.v[21]);
  float* sX = data<float>(env, a.v[22]);
  float* sZ = data<float>(env, a.v[23]);
  float* sOX = data<float>(env, a.v[24]);
  float* sOZ = data<float>(env, a.v[25]);
  double* sR2 = data<double>(env, a.v[26]);
  double* sOR2 = data<double>(env, a.v[27]);
  int32_t* changedIdx = data<int32_t>(env, a.v[28]);
  int32_t* specialIdx = data<int32_t>(env, a.v[29]);
  const int32_t count = static_cast<int32_t>(num(env, a.v[30]));
  double* stats = data<double>(env, a.v[31]);
  const int32_t prevCount = static_cast<int32_t>(num(env, a.v[32]));
  const int32_t* pH = data<int32_t>(env, a.v[33]);
  const float* pQX = data<float>(env, a.v[34]);
  const float* pQZ = data<float>(env, a.v[35]);
  const double* pR2 = data<double>(env, a.v[36]);
  const int32_t* changedList = data<int32_t>(env, a.v[37]);
  const int32_t changedListCount = static_cast<int32_t>(num(env, a.v[38]));
  int32_t* work = data<int32_t>(env, a.v[39]);
  // Every sweepable radius, squared, when they are all one (classify's uniform radius), else -1: then no
  // radius is read by handle.
  const double uniformR2 = num(env, a.v[41]);
  int32_t* entH = work;
  int32_t* entPrev = work + count;
  int32_t* entCell = work + 2 * count;
  // A changed entity's new position, read by handle once here and kept in visit order for the scatter.
  float* entX = reinterpret_cast<float*>(work + 3 * count);
  float* entZ = reinterpret_cast<float*>(work + 4 * count);
  // Placed marks live in hCell's bit 1 (classify wrote 0/1, or -1 for absent, for every handle): the
  // line is read anyway, so no separate per-handle array is read, written and cleared again.
  constexpr int32_t PLACED = 2;

  // Visit order: previous entries still present (before or after), then handles new to the layout.
  // Each visit also counts the entity's cell and packs its presence, special and changed bits next to
  // it, so the scatter below reads by handle only what a changed entity's old side needs.
  for (int32_t c = 0; c <= cells; c++) cellStart[c] = 0;
  int32_t m = 0;
  auto place = [&](int32_t h, int32_t prev) {
    const int32_t flags = hCell[h];
    const int32_t ch = changed[h];
    // Only a changed handle can be met twice (previous layout, changed list): only it is marked.
    if (ch != 0) hCell[h] = flags | PLACED;
    double x, z;
    int32_t presence = 0;
    if (ch == 0) {
      x = pQX[prev];
      z = pQZ[prev];
    } else {
      const bool np = nP[h] == 1;
      presence = (np ? 8 : 0) | (oP[h] == 1 ? 4 : 0);
      x = np ? nx[h] : ox[h];
      z = np ? nz[h] : oz[h];
      entX[m] = static_cast<float>(x);
      entZ[m] = static_cast<float>(z);
    }
    const int32_t c = static_cast<int32_t>((std::floor(z * inv) - cz0) * width + (std::floor(x * inv) - cx0));
    entH[m] = h;
    entPrev[m] = prev;
    entCell[m++] = c * 16 + presence + ((flags & 1) << 1) + ch;
    cellStart[c + 1]++;
  };
  for (int32_t k = 0; k < prevCount; k++) {
    const int32_t h = pH[k];
    if (h >= limit || hCell[h] < 0 || m == count) continue;
    place(h, k);
  }
  // Handles new to the layout; none once every entity is placed (all moved: nothing was added).
  for (int32_t k = 0; k < changedListCount && m < count; k++) {
    const int32_t h = changedList[k];
    if (hCell[h] < 0 || (hCell[h] & PLACED) != 0) continue;
    place(h, -1);
  }
  if (m != count) {
    // Not the previous layout of this table (cannot happen through grid-aoi.ts): the caller rebuilds
    // from classify's hCell, so the marks come off again.
    for (int32_t k = 0; k < changedListCount; k++) {
      if (changedList[k] < limit && hCell[changedList[k]] >= 0) hCell[changedList[k]] &= ~PLACED;
    }
    stats[0] = -1;
    return nullptr;
  }
  for (int32_t c = 0; c < cells; c++) cellStart[c + 1] += cellStart[c];
  const float nan = NAN;
  for (int32_t e = 0; e < m; e++) {
    const int32_t h = entH[e];
    const int32_t packed = entCell[e];
    const int32_t c = packed >> 4;
    const int32_t i = cellStart[c]++;
    const int32_t special = (packed >> 1) & 1;
    sH[i] = h;
    sCell[i] = c;
    if ((packed & 1) == 0) {
      const float x = pQX[entPrev[e]], z = pQZ[entPrev[e]];
      const double r2 = pR2[entPrev[e]];
      sFlag[i] = static_cast<uint8_t>(special << 1);
      qX[i] = x;
      qZ[i] = z;
      sX[i] = sOX[i] = special == 0 ? x : nan;
      sZ[i] = sOZ[i] = special == 0 ? z : nan;
      sR2[i] = sOR2[i] = r2;
      continue;
    }
    const bool op = (packed & 4) != 0, np = (packed & 8) != 0;
    sFlag[i] = static_cast<uint8_t>(1 | (special << 1));
    const float x = np ? entX[e] : nan;
    const float z = np ? entZ[e] : nan;
    qX[i] = x;
    qZ[i] = z;
    const bool sweepNew = special == 0 && np;
    const bool sweepOld = special == 0 && op;
    sX[i] = sweepNew ? x : nan;
    sZ[i] = sweepNew ? z : nan;
    sOX[i] = sweepOld ? ox[h] : nan;
    sOZ[i] = sweepOld ? oz[h] : nan;
    // Not for a SPECIAL entry: uniform counts sweepable radii only, and a special one may rejoin the sweep
    // unchanged next update with its previous squared radius copied from here.
    if (uniformR2 >= 0 && special == 0) {
      sR2[i] = sOR2[i] = uniformR2;
      continue;
    }
    double r = nr[h];
    sR2[i] = r * r;
    r = orr[h];
    sOR2[i] = r * r;
  }
  for (int32_t c = cells; c > 0; c--) cellStart[c] = cellStart[c - 1];
  cellStart[0] = 0;
  int32_t changedCount = 0, specialCount = 0;
  for (int32_t i = 0; i < count; i++) {
    const uint8_t f = sFlag[i];
    if ((f & 2) != 0) specialIdx[specialCount++] = i;
    else if ((f & 1) != 0) changedIdx[changedCount++] = i;
  }
  stats[0] = changedCount;
  stats[1] = specialCount;
  return nullptr;
}
AOI_SSE41_CLONE(ScatterCoherent, 42)

// scatterIncremental: a sparse update with the previous geometry kept. Unchanged entities keep their
// cell and data from the previous layout (read sequentially), so only changed entities touch the
// handle-indexed table: O(changed) classification in TypeScript plus one sequential pass here.
// Arguments: prevCount, pH, pQX, pQZ, pR2, pFlag, pCell, oP, nP, ox, oz, or, nx, nz, nr, changed,
// special (per handle, set for changed handles), changedList, changedCount, inv, cx0, cz0, width, cells,
// big, cellStart, sH, sCell, sFlag, qX, qZ, sX, sZ, sOX, sOZ, sR2, sOR2, changedIdx, specialIdx, count,
// work (3 x count ints), seen (zeroed bytes per handle, left zeroed), stats, level.
inline napi_value ScatterIncrementalBody(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int32_t prevCount = static_cast<int32_t>(num(env, a.v[0]));
  const int32_t* pH = data<int32_t>(env, a.v[1]);
  const float* pQX = data<float>(env, a.v[2]);
  const float* pQZ = data<float>(env, a.v[3]);
  const double* pR2 = data<double>(env, a.v[4]);
  const uint8_t* pFlag = data<uint8_t>(env, a.v[5]);
  const int32_t* pCell = data<int32_t>(env, a.v[6]);
  const uint8_t* oP = data<uint8_t>(env, a.v[7]);
  const uint8_t* nP = data<uint8_t>(env, a.v[8]);
  const float* ox = data<float>(env, a.v[9]);
  const float* oz = data<float>(env, a.v[10]);
  const float* orr = data<float>(env, a.v[11]);
  const float* nx = data<float>(env, a.v[12]);
  const float* nz = data<float>(env, a.v[13]);
  const float* nr = data<float>(env, a.v[14]);
  const uint8_t* changed = data<uint8_t>(env, a.v[15]);
  const int32_t* specialOf = data<int32_t>(env, a.v[16]);
  const int32_t* changedList = data<int32_t>(env, a.v[17]);
  const int32_t changedListCount = static_cast<int32_t>(num(env, a.v[18]));
  const double inv = num(env, a.v[19]);
  const double cx0 = num(env, a.v[20]);
  const double cz0 = num(env, a.v[21]);
  const int32_t width = static_cast<int32_t>(num(env, a.v[22]));
  const int32_t cells = static_cast<int32_t>(num(env, a.v[23]));
  const double big = num(env, a.v[24]);
  int32_t* cellStart = data<int32_t>(env, a.v[25]);
  int32_t* sH = data<int32_t>(env, a.v[26]);
  int32_t* sCell = data<int32_t>(env, a.v[27]);
  uint8_t* sFlag = data<uint8_t>(env, a.v[28]);
  float* qX = data<float>(env, a.v[29]);
  float* qZ = data<float>(env, a.v[30]);
  float* sX = data<float>(env, a.v[31]);
  float* sZ = data<float>(env, a.v[32]);
  float* sOX = data<float>(env, a.v[33]);
  float* sOZ = data<float>(env, a.v[34]);
  double* sR2 = data<double>(env, a.v[35]);
  double* sOR2 = data<double>(env, a.v[36]);
  int32_t* changedIdx = data<int32_t>(env, a.v[37]);
  int32_t* specialIdx = data<int32_t>(env, a.v[38]);
  const int32_t count = static_cast<int32_t>(num(env, a.v[39]));
  int32_t* work = data<int32_t>(env, a.v[40]);
  uint8_t* seen = data<uint8_t>(env, a.v[41]);
  double* stats = data<double>(env, a.v[42]);
  int32_t* entH = work;
  int32_t* entPrev = work + count;
  int32_t* entCell = work + 2 * count;

  for (int32_t c = 0; c <= cells; c++) cellStart[c] = 0;
  int32_t m = 0;
  auto placeChanged = [&](int32_t h, int32_t prev) {
    const bool np = nP[h] == 1;
    const double x = np ? nx[h] : ox[h];
    const double z = np ? nz[h] : oz[h];
    const int32_t c = static_cast<int32_t>((std::floor(z * inv) - cz0) * width + (std::floor(x * inv) - cx0));
    entH[m] = h;
    entPrev[m] = prev;
    entCell[m++] = c * 4 + ((specialOf[h] & 1) << 1) + 1;
    cellStart[c + 1]++;
  };
  for (int32_t k = 0; k < prevCount && m < count; k++) {
    const int32_t h = pH[k];
    if (changed[h] == 1) {
      if ((oP[h] | nP[h]) == 0) continue;
      seen[h] = 1;
      placeChanged(h, k);
      continue;
    }
    // Unchanged since the previous layout: absent if it was removed then (NaN query position).
    if (pQX[k] != pQX[k]) continue;
    // Special then and unchanged since: big radius, still special. Special because it changed then (a
    // long move, or a radius change): decide from its radius now.
    const uint8_t pf = pFlag[k];
    const int32_t special = (pf & 1) != 0 ? (nr[h] > big ? 1 : 0) : (pf >> 1) & 1;
    const int32_t c = pCell[k];
    entH[m] = h;
    entPrev[m] = k;
    entCell[m++] = c * 4 + (special << 1);
    cellStart[c + 1]++;
  }
  for (int32_t k = 0; k < changedListCount && m < count; k++) {
    const int32_t h = changedList[k];
    if (seen[h] || (oP[h] | nP[h]) == 0) continue;
    seen[h] = 1;
    placeChanged(h, -1);
  }
  // Only changed handles can be met twice (in the previous layout and in the changed list), so only
  // they are marked: no per-handle write for the unchanged bulk of a sparse update, and no pass to undo it.
  for (int32_t k = 0; k < changedListCount; k++) seen[changedList[k]] = 0;
  if (m != count) {
    stats[0] = -1;
    return nullptr;
  }
  for (int32_t c = 0; c < cells; c++) cellStart[c + 1] += cellStart[c];
  const float nan = NAN;
  for (int32_t e = 0; e < m; e++) {
    const int32_t h = entH[e];
    const int32_t packed = entCell[e];
    const int32_t c = packed >> 2;
    const int32_t i = cellStart[c]++;
    const int32_t special = (packed >> 1) & 1;
    sH[i] = h;
    sCell[i] = c;
    if ((packed & 1) == 0) {
      const int32_t k = entPrev[e];
      const float x = pQX[k], z = pQZ[k];
      sFlag[i] = static_cast<uint8_t>(special << 1);
      qX[i] = x;
      qZ[i] = z;
      sX[i] = sOX[i] = special == 0 ? x : nan;
      sZ[i] = sOZ[i] = special == 0 ? z : nan;
      sR2[i] = sOR2[i] = pR2[k];
      continue;
    }
    const bool op = oP[h] == 1, np = nP[h] == 1;
    sFlag[i] = static_cast<uint8_t>(1 | (special << 1));
    const float x = np ? nx[h] : nan;
    const float z = np ? nz[h] : nan;
    qX[i] = x;
    qZ[i] = z;
    const bool sweepNew = special == 0 && np;
    const bool sweepOld = special == 0 && op;
    sX[i] = sweepNew ? x : nan;
    sZ[i] = sweepNew ? z : nan;
    sOX[i] = sweepOld ? ox[h] : nan;
    sOZ[i] = sweepOld ? oz[h] : nan;
    double r = nr[h];
    sR2[i] = r * r;
    r = orr[h];
    sOR2[i] = r * r;
  }
  for (int32_t c = cells; c > 0; c--) cellStart[c] = cellStart[c - 1];
  cellStart[0] = 0;
  int32_t changedCount = 0, specialCount = 0;
  for (int32_t i = 0; i < count; i++) {
    const uint8_t f = sFlag[i];
    if ((f & 2) != 0) specialIdx[specialCount++] = i;
    else if ((f & 1) != 0) changedIdx[changedCount++] = i;
  }
  stats[0] = changedCount;
  stats[1] = specialCount;
  return nullptr;
}
AOI_SSE41_CLONE(ScatterIncremental, 43)

struct Sweep {
  const int32_t* cellStart;
  int32_t width, height;
  // Cells per reach of this layout (GridLayout.stencil: 1 or 2).
  int32_t stencil;
  // The squared radius every sweepable entry has before and after, or -1 (GridLayout.uniformRadius).
  double uniformR2;
  const uint8_t* sFlag;
  const float *sX, *sZ, *sOX, *sOZ;
  const double *sR2, *sOR2;
  const int32_t* sH;
  int32_t *enterW, *enterT, *leaveW, *leaveT;
  size_t enterCap, leaveCap, enterCount = 0, leaveCount = 0;

  void enter(int32_t w, int32_t t) {
    if (enterCount < enterCap) {
      enterW[enterCount] = w;
      enterT[enterCount] = t;
    }
    enterCount++;
  }
  void leave(int32_t w, int32_t t) {
    if (leaveCount < leaveCap) {
      leaveW[leaveCount] = w;
      leaveT[leaveCount] = t;
    }
    leaveCount++;
  }

  // The pair test of grid-events.ts: before XOR after, both directions, absent sides NaN.
  inline void pair(int32_t i, int32_t j) {
    double dx = static_cast<double>(sX[i]) - sX[j];
    double dz = static_cast<double>(sZ[i]) - sZ[j];
    const double dNew = dx * dx + dz * dz;
    dx = static_cast<double>(sOX[i]) - sOX[j];
    dz = static_cast<double>(sOZ[i]) - sOZ[j];
    const double dOld = dx * dx + dz * dz;
    const bool nij = dNew <= sR2[i], oij = dOld <= sOR2[i];
    const bool nji = dNew <= sR2[j], oji = dOld <= sOR2[j];
    if (__builtin_expect((nij != oij) | (nji != oji), 0)) {
      if (nij != oij) nij ? enter(sH[i], sH[j]) : leave(sH[i], sH[j]);
      if (nji != oji) nji ? enter(sH[j], sH[i]) : leave(sH[j], sH[i]);
    }
  }
};


using PairRangeFn = void (*)(Sweep&, int32_t, int32_t, int32_t, int32_t);

// The scalar pair test over [j0, end); the sparse sweep's ownership rule: skip a changed j sorting at or
// before i (`ownerLimit`; -1 in the full sweep).
__attribute__((always_inline)) inline void pairRangeScalar(Sweep& s, int32_t i, int32_t j0, int32_t end, int32_t ownerLimit) {
  for (int32_t j = j0; j < end; j++) {
    if ((s.sFlag[j] & 1) != 0 && j <= ownerLimit) continue;
    s.pair(i, j);
  }
}

#if defined(AOI_X86)
// Pairs entity i with the contiguous candidate range [j0, end): the pair test of Sweep::pair, several
// candidates per instruction. Flips are rare, so only a non-zero flip mask leaves the vector loop, and
// the ownership rule is applied only then. Compares are ordered (_CMP_LE_OQ: NaN is false, as in JS) and
// mul/add stay separate instructions, so results are bit-identical to the TypeScript sweep. The last
// group may read up to eight entries past `end` (the arrays carry padding for it); their bits are masked.
//
// Uniform: every sweepable entry has the same radius before and after (Sweep::uniformR2, the common case
// of a space's default radius). One compare per side then covers both directions, and the candidates'
// radii are never loaded.
template <bool Uniform>
__attribute__((target("avx512f"))) inline void pairRangeAvx512(Sweep& s, int32_t i, int32_t j0, int32_t end,
                                                                int32_t ownerLimit) {
  const __m512d xn = _mm512_set1_pd(s.sX[i]), zn = _mm512_set1_pd(s.sZ[i]);
  const __m512d xo = _mm512_set1_pd(s.sOX[i]), zo = _mm512_set1_pd(s.sOZ[i]);
  const __m512d ri2 = _mm512_set1_pd(Uniform ? s.uniformR2 : s.sR2[i]);
  const __m512d roi2 = _mm512_set1_pd(Uniform ? s.uniformR2 : s.sOR2[i]);
  // do-while: an empty range runs one fully masked step instead of a branch that mispredicts whenever
  // cells are sparse (at 1.2 entities per cell a third of the ranges are empty).
  int32_t j = j0;
  do {
    __m512d dx = _mm512_sub_pd(xn, _mm512_cvtps_pd(_mm256_loadu_ps(s.sX + j)));
    __m512d dz = _mm512_sub_pd(zn, _mm512_cvtps_pd(_mm256_loadu_ps(s.sZ + j)));
    const __m512d dNew = _mm512_add_pd(_mm512_mul_pd(dx, dx), _mm512_mul_pd(dz, dz));
    dx = _mm512_sub_pd(xo, _mm512_cvtps_pd(_mm256_loadu_ps(s.sOX + j)));
    dz = _mm512_sub_pd(zo, _mm512_cvtps_pd(_mm256_loadu_ps(s.sOZ + j)));
    const __m512d dOld = _mm512_add_pd(_mm512_mul_pd(dx, dx), _mm512_mul_pd(dz, dz));
    const unsigned nij = _mm512_cmp_pd_mask(dNew, ri2, _CMP_LE_OQ);
    const unsigned oij = _mm512_cmp_pd_mask(dOld, roi2, _CMP_LE_OQ);
    unsigned flips = nij ^ oij;
    if (!Uniform) {
      const unsigned nji = _mm512_cmp_pd_mask(dNew, _mm512_loadu_pd(s.sR2 + j), _CMP_LE_OQ);
      const unsigned oji = _mm512_cmp_pd_mask(dOld, _mm512_loadu_pd(s.sOR2 + j), _CMP_LE_OQ);
      flips |= nji ^ oji;
    }
    const int32_t left = end - j;
    unsigned mask = flips & ((1u << (left < 0 ? 0 : left < 8 ? left : 8)) - 1);
    while (mask != 0) {
      const int32_t q = j + __builtin_ctz(mask);
      mask &= mask - 1;
      if ((s.sFlag[q] & 1) != 0 && q <= ownerLimit) continue;
      s.pair(i, q);
    }
    j += 8;
  } while (j < end);
}

// Four candidates from j: the flip bits of the pair test (bit n for candidate j + n), unmasked.
template <bool Uniform>
__attribute__((target("avx2"), always_inline)) inline int flips4(const Sweep& s, int32_t j, __m256d xn, __m256d zn,
                                                                  __m256d xo, __m256d zo, __m256d ri2, __m256d roi2) {
  __m256d dx = _mm256_sub_pd(xn, _mm256_cvtps_pd(_mm_loadu_ps(s.sX + j)));
  __m256d dz = _mm256_sub_pd(zn, _mm256_cvtps_pd(_mm_loadu_ps(s.sZ + j)));
  const __m256d dNew = _mm256_add_pd(_mm256_mul_pd(dx, dx), _mm256_mul_pd(dz, dz));
  dx = _mm256_sub_pd(xo, _mm256_cvtps_pd(_mm_loadu_ps(s.sOX + j)));
  dz = _mm256_sub_pd(zo, _mm256_cvtps_pd(_mm_loadu_ps(s.sOZ + j)));
  const __m256d dOld = _mm256_add_pd(_mm256_mul_pd(dx, dx), _mm256_mul_pd(dz, dz));
  __m256d flips = _mm256_xor_pd(_mm256_cmp_pd(dNew, ri2, _CMP_LE_OQ), _mm256_cmp_pd(dOld, roi2, _CMP_LE_OQ));
  if (!Uniform) {
    flips = _mm256_or_pd(flips, _mm256_xor_pd(_mm256_cmp_pd(dNew, _mm256_loadu_pd(s.sR2 + j), _CMP_LE_OQ),
                                              _mm256_cmp_pd(dOld, _mm256_loadu_pd(s.sOR2 + j), _CMP_LE_OQ)));
  }
  return _mm256_movemask_pd(flips);
}

// Eight candidates per step as two independent groups of four: at game densities a range rarely holds
// more than eight, so the loop's exit branch is nearly always taken after one step and predicted, where
// one group of four leaves it unpredictable (about a third of the ranges hold more than four).
template <bool Uniform>
__attribute__((target("avx2"))) inline void pairRangeAvx2(Sweep& s, int32_t i, int32_t j0, int32_t end,
                                                           int32_t ownerLimit) {
  const __m256d xn = _mm256_set1_pd(s.sX[i]), zn = _mm256_set1_pd(s.sZ[i]);
  const __m256d xo = _mm256_set1_pd(s.sOX[i]), zo = _mm256_set1_pd(s.sOZ[i]);
  const __m256d ri2 = _mm256_set1_pd(Uniform ? s.uniformR2 : s.sR2[i]);
  const __m256d roi2 = _mm256_set1_pd(Uniform ? s.uniformR2 : s.sOR2[i]);
  int32_t j = j0;  // do-while, as in pairRangeAvx512
  do {
    const int lo = flips4<Uniform>(s, j, xn, zn, xo, zo, ri2, roi2);
    const int hi = flips4<Uniform>(s, j + 4, xn, zn, xo, zo, ri2, roi2);
    const int32_t left = end - j;
    unsigned mask = static_cast<unsigned>(lo | (hi << 4)) & ((1u << (left < 0 ? 0 : left < 8 ? left : 8)) - 1);
    while (mask != 0) {
      const int32_t q = j + __builtin_ctz(mask);
      mask &= mask - 1;
      if ((s.sFlag[q] & 1) != 0 && q <= ownerLimit) continue;
      s.pair(i, q);
    }
    j += 8;
  } while (j < end);
}

// The rest of an entity's own row range in the full sweep: about one candidate at game densities, and
// almost never more than four, so one group of four is tested first and that branch is predicted (over
// all ranges it would not be: about a third hold more than four, hence eight per step above).
template <bool Uniform>
__attribute__((target("avx2"))) inline void ownRowAvx2(Sweep& s, int32_t i, int32_t j0, int32_t end, int32_t ownerLimit) {
  if (end - j0 > 4) {
    pairRangeAvx2<Uniform>(s, i, j0, end, ownerLimit);
    return;
  }
  const __m256d xn = _mm256_set1_pd(s.sX[i]), zn = _mm256_set1_pd(s.sZ[i]);
  const __m256d xo = _mm256_set1_pd(s.sOX[i]), zo = _mm256_set1_pd(s.sOZ[i]);
  const __m256d ri2 = _mm256_set1_pd(Uniform ? s.uniformR2 : s.sR2[i]);
  const __m256d roi2 = _mm256_set1_pd(Uniform ? s.uniformR2 : s.sOR2[i]);
  const int32_t left = end - j0;
  unsigned mask = static_cast<unsigned>(flips4<Uniform>(s, j0, xn, zn, xo, zo, ri2, roi2)) & ((1u << (left < 0 ? 0 : left)) - 1);
  while (mask != 0) {
    const int32_t q = j0 + __builtin_ctz(mask);
    mask &= mask - 1;
    if ((s.sFlag[q] & 1) != 0 && q <= ownerLimit) continue;
    s.pair(i, q);
  }
}
#endif

// Both sweeps of grid-events.ts. The full one walks the sorted entries (not the cells: at low density
// most cells are empty, and every entry knows its cell), each with the half stencil: the rest of its own
// row range, then the full ranges of the next S rows, so each pair is visited once. The sparse one
// scans the full stencil of each changed entry.
// OWN is the pair range for the rest of i's own row range (PR, or a variant for short ranges).
template <PairRangeFn PR, PairRangeFn OWN = PR>
__attribute__((always_inline)) inline void sweepLoops(Sweep& s, int32_t mode, int32_t count, const int32_t* sCell,
                                                      const int32_t* changedIdx, int32_t changedCount) {
  const int32_t S = s.stencil;
  const int32_t* cs = s.cellStart;
  const int32_t width = s.width;
  if (mode == 0) {
    for (int32_t i = 0; i < count; i++) {
      const int32_t k = sCell[i];
      OWN(s, i, i + 1, cs[k + S + 1], -1);
      for (int32_t rr = 1; rr <= S; rr++) {
        const int32_t base = k + rr * width;
        PR(s, i, cs[base - S], cs[base + S + 1], -1);
      }
    }
  } else {
    for (int32_t n = 0; n < changedCount; n++) {
      const int32_t i = changedIdx[n];
      const int32_t k = sCell[i];
      for (int32_t rr = -S; rr <= S; rr++) {
        const int32_t base = k + rr * width;
        const int32_t end = cs[base + S + 1];
        PR(s, i, cs[base - S], end, i);
      }
    }
  }
}

using SweepLoopsFn = void (*)(Sweep&, int32_t, int32_t, const int32_t*, const int32_t*, int32_t);

void sweepScalar(Sweep& s, int32_t mode, int32_t count, const int32_t* sCell, const int32_t* changedIdx, int32_t changedCount) {
  sweepLoops<pairRangeScalar>(s, mode, count, sCell, changedIdx, changedCount);
}

#if defined(AOI_X86)
// flatten: pairRangeAvx2 has two callers here (ownRowAvx2 too), and an out-of-line copy of it would be
// vector code outside the kernels the run-time check picks (test/integration/native-build.test.ts).
__attribute__((target("avx2"), flatten)) void sweepAvx2(Sweep& s, int32_t mode, int32_t count, const int32_t* sCell,
                                               const int32_t* changedIdx, int32_t changedCount) {
  if (s.uniformR2 >= 0) sweepLoops<pairRangeAvx2<true>, ownRowAvx2<true>>(s, mode, count, sCell, changedIdx, changedCount);
  else sweepLoops<pairRangeAvx2<false>, ownRowAvx2<false>>(s, mode, count, sCell, changedIdx, changedCount);
}

__attribute__((target("avx512f"))) void sweepAvx512(Sweep& s, int32_t mode, int32_t count, const int32_t* sCell,
                                                    const int32_t* changedIdx, int32_t changedCount) {
  if (s.uniformR2 >= 0) sweepLoops<pairRangeAvx512<true>>(s, mode, count, sCell, changedIdx, changedCount);
  else sweepLoops<pairRangeAvx512<false>>(s, mode, count, sCell, changedIdx, changedCount);
}
#endif

// The level used unless one is pinned: AVX2 where the CPU has it. AVX-512 is measured slower here (Zen 4
// runs a 512-bit op as two 256-bit halves, and at game densities a candidate range holds about four
// entries, so the wider lanes only add work); it stays available, pinned, for CPUs where it pays.
int32_t autoLevel() {
  const int32_t best = bestLevel();
  return best < 1 ? best : 1;
}

// The sweep at `level` (-1: autoLevel; clamped to what the CPU runs, so a caller can never select an
// instruction set that would fault).
SweepLoopsFn sweepAt(int32_t level) {
  const int32_t best = bestLevel();
  const int32_t use = level < 0 ? autoLevel() : level > best ? best : level;
#if defined(AOI_X86)
  if (use == 2) return sweepAvx512;
  if (use == 1) return sweepAvx2;
#endif
  return sweepScalar;
}

// commit(changed, changedCount, changedFlag, oPresent, nPresent, ox, oz, or, nx, nz, nr): the entity
// table's commit (entity-table.ts), the intent becomes the committed state of every changed handle.
napi_value Commit(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int32_t* changed = data<int32_t>(env, a.v[0]);
  const int32_t count = static_cast<int32_t>(num(env, a.v[1]));
  uint8_t* flag = data<uint8_t>(env, a.v[2]);
  uint8_t* oP = data<uint8_t>(env, a.v[3]);
  const uint8_t* nP = data<uint8_t>(env, a.v[4]);
  float* ox = data<float>(env, a.v[5]);
  float* oz = data<float>(env, a.v[6]);
  float* orr = data<float>(env, a.v[7]);
  const float* nx = data<float>(env, a.v[8]);
  const float* nz = data<float>(env, a.v[9]);
  const float* nr = data<float>(env, a.v[10]);
  for (int32_t k = 0; k < count; k++) {
    const int32_t h = changed[k];
    flag[h] = 0;
    oP[h] = nP[h];
    ox[h] = nx[h];
    oz[h] = nz[h];
    orr[h] = nr[h];
  }
  return nullptr;
}

// moveMany(handles, count, xs, zs, nx, nz, nPresent, changedFlag, changed, changedCount, capacity, out)
// -> out[0] = the new changedCount, out[1] = the first entry that is not present or not finite, or -1.
// entity-table.ts moveMany in C++: the entries before a bad one are applied, and the caller throws for it.
napi_value MoveMany(napi_env env, napi_callback_info info) {
  Args a(env, info);
  size_t handlesLen = 0, xsLen = 0, zsLen = 0;
  const int32_t* handles = data<int32_t>(env, a.v[0], &handlesLen);
  const int32_t count = std::min(static_cast<int32_t>(num(env, a.v[1])), static_cast<int32_t>(handlesLen));
  const float* xs = data<float>(env, a.v[2], &xsLen);
  const float* zs = data<float>(env, a.v[3], &zsLen);
  // A handle past a column's end has no position: an error, like a missing one (never read out of bounds).
  const int32_t cols = static_cast<int32_t>(std::min(xsLen, zsLen));
  float* nx = data<float>(env, a.v[4]);
  float* nz = data<float>(env, a.v[5]);
  const uint8_t* nP = data<uint8_t>(env, a.v[6]);
  uint8_t* flag = data<uint8_t>(env, a.v[7]);
  int32_t* changed = data<int32_t>(env, a.v[8]);
  int32_t changedCount = static_cast<int32_t>(num(env, a.v[9]));
  const int32_t capacity = static_cast<int32_t>(num(env, a.v[10]));
  double* out = data<double>(env, a.v[11]);
  int32_t bad = -1;
  for (int32_t k = 0; k < count; k++) {
    const int32_t h = handles[k];
    if (h < 0 || h >= capacity || h >= cols || nP[h] != 1) {
      bad = k;
      break;
    }
    const float x = xs[h], z = zs[h];
    if (x == nx[h] && z == nz[h]) continue;
    if (!std::isfinite(x) || !std::isfinite(z)) {
      bad = k;
      break;
    }
    nx[h] = x;
    nz[h] = z;
    if (flag[h] == 0) {
      flag[h] = 1;
      changed[changedCount++] = h;
    }
  }
  out[0] = changedCount;
  out[1] = bad;
  return nullptr;
}

// simdLevel() -> the best vector level this CPU runs (0 scalar, 1 AVX2, 2 AVX-512).
napi_value SimdLevel(napi_env env, napi_callback_info) {
  napi_value out;
  napi_create_int32(env, bestLevel(), &out);
  return out;
}

// simdAuto() -> the level a sweep uses unless one is pinned.
napi_value SimdAuto(napi_env env, napi_callback_info) {
  napi_value out;
  napi_create_int32(env, autoLevel(), &out);
  return out;
}

// sweep(mode, cellStart, width, height, sFlag, sX, sZ, sOX, sOZ, sR2, sOR2, sH, sCell, changedIdx,
//       changedCount, enterW, enterT, leaveW, leaveT, stats, count, level, stencil, uniformR2)
//       -> stats[0..1] = enter/leave counts needed. level: -1 autoLevel, else 0..2 (clamped).
napi_value SweepFn(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int32_t mode = static_cast<int32_t>(num(env, a.v[0]));
  Sweep s;
  s.cellStart = data<int32_t>(env, a.v[1]);
  s.width = static_cast<int32_t>(num(env, a.v[2]));
  s.height = static_cast<int32_t>(num(env, a.v[3]));
  s.sFlag = data<uint8_t>(env, a.v[4]);
  s.sX = data<float>(env, a.v[5]);
  s.sZ = data<float>(env, a.v[6]);
  s.sOX = data<float>(env, a.v[7]);
  s.sOZ = data<float>(env, a.v[8]);
  s.sR2 = data<double>(env, a.v[9]);
  s.sOR2 = data<double>(env, a.v[10]);
  s.sH = data<int32_t>(env, a.v[11]);
  const int32_t* sCell = data<int32_t>(env, a.v[12]);
  const int32_t* changedIdx = data<int32_t>(env, a.v[13]);
  const int32_t changedCount = static_cast<int32_t>(num(env, a.v[14]));
  s.enterW = data<int32_t>(env, a.v[15], &s.enterCap);
  s.enterT = data<int32_t>(env, a.v[16]);
  s.leaveW = data<int32_t>(env, a.v[17], &s.leaveCap);
  s.leaveT = data<int32_t>(env, a.v[18]);
  double* stats = data<double>(env, a.v[19]);
  const int32_t count = static_cast<int32_t>(num(env, a.v[20]));
  const int32_t level = static_cast<int32_t>(num(env, a.v[21]));
  s.stencil = static_cast<int32_t>(num(env, a.v[22]));
  s.uniformR2 = num(env, a.v[23]);
  sweepAt(level)(s, mode, count, sCell, changedIdx, changedCount);
  stats[0] = static_cast<double>(s.enterCount);
  stats[1] = static_cast<double>(s.leaveCount);
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"classify", nullptr, Classify, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"scatter", nullptr, Scatter, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"scatterCoherent", nullptr, ScatterCoherent, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"scatterIncremental", nullptr, ScatterIncremental, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sweep", nullptr, SweepFn, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"moveMany", nullptr, MoveMany, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"commit", nullptr, Commit, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"simdLevel", nullptr, SimdLevel, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"simdAuto", nullptr, SimdAuto, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
