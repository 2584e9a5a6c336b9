/**
 * Micro-benchmark of the raster kernels at full Sentinel-2 tile size (10980 x 10980).
 * Not a test: run with `npx tsx bench/raster-kernels.ts [size]` and read the Mpx/s figures.
 * Needs ~2.5 GB of memory at full size. Inputs are synthetic and seeded, so runs compare; each
 * figure is the best of 5 runs, since a shared 2-core machine is noisy.
 */
import { performance } from 'node:perf_hooks';
import { dnToReflectance } from '../src/raster/dn-to-reflectance.js';
import { ndviInto } from '../test/reference/indices.js';
import { componentStats, labelComponents } from '../src/raster/label.js';
import { clearMask10m } from '../src/raster/scl-mask.js';

const N = Number(process.argv[2] ?? 10980);
const PX = N * N;

let seed = 47;
function rand(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
}

function time(name: string, pixels: number, fn: () => string, reps = 5): void {
  let best = Infinity;
  let note = '';
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    note = fn();
    best = Math.min(best, performance.now() - t0);
  }
  const mpx = pixels / 1e6 / (best / 1000);
  console.log(
    `${name.padEnd(46)} ${(best / 1000).toFixed(3).padStart(7)} s ${mpx.toFixed(0).padStart(6)} Mpx/s  ${note}`,
  );
}

/** ~5 % of pixels set as small rectangles (1-4 px a side), like clearing/drop masks. */
function blobMask(): Uint8Array {
  const m = new Uint8Array(PX);
  let set = 0;
  while (set < PX * 0.05) {
    const bw = 1 + Math.floor(rand() * 4);
    const bh = 1 + Math.floor(rand() * 4);
    const x0 = Math.floor(rand() * (N - bw));
    const y0 = Math.floor(rand() * (N - bh));
    for (let y = y0; y < y0 + bh; y++)
      for (let x = x0; x < x0 + bw; x++) {
        if (m[y * N + x]) continue;
        m[y * N + x] = 1;
        set++;
      }
  }
  return m;
}

/** ~5 % of pixels set independently: the worst case for run count. */
function noiseMask(): Uint8Array {
  const m = new Uint8Array(PX);
  for (let i = 0; i < PX; i++) m[i] = rand() < 0.05 ? 1 : 0;
  return m;
}

console.log(`raster kernels, ${N} x ${N} = ${(PX / 1e6).toFixed(1)} Mpx, Node ${process.version}`);
for (const [kind, make] of [
  ['blobs', blobMask],
  ['noise', noiseMask],
] as const) {
  const mask = make();
  time(
    `componentStats (8-conn, no label plane), ${kind}`,
    PX,
    () => `${componentStats(mask, N, N).count} components`,
  );
  const plane = new Int32Array(PX);
  time(
    `labelComponents (8-conn, label plane), ${kind}`,
    PX,
    () => `${labelComponents(mask, N, N, {}, plane).count} components`,
  );
}

const red = new Float32Array(PX);
const nir = new Float32Array(PX);
for (let i = 0; i < PX; i++) {
  red[i] = i % 97 === 0 ? NaN : 0.02 + 0.1 * rand();
  nir[i] = 0.1 + 0.4 * rand();
}
const out = new Float32Array(PX);
time('ndviInto (Float32 in, Float32 out)', PX, () => {
  ndviInto(red, nir, out);
  return `out[1] = ${out[1]!.toFixed(3)}`;
});

const dn = new Uint16Array(PX);
for (let i = 0; i < PX; i++) dn[i] = i % 101 === 0 ? 0 : 1000 + Math.floor(rand() * 3000);
time('dnToReflectance (Uint16 -> Float32)', PX, () => {
  dnToReflectance(dn, 1e-4, -0.1, out);
  return '';
});

const n2 = (N + 1) >> 1;
const scl = new Uint8Array(n2 * n2);
for (let i = 0; i < scl.length; i++) scl[i] = Math.floor(rand() * 12);
const clear = new Uint8Array(PX);
time('clearMask10m (20 m SCL -> 10 m mask)', PX, () => `${clearMask10m(scl, n2, n2, N, N, clear)} clear`);
