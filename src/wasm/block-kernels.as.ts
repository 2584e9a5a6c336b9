/**
 * AssemblyScript, compiled to dist/wasm/block-kernels.wasm by `make build` (asc): the per-pixel
 * kernels of block-evidence.ts that dominate a block's CPU time, on planes in the scan worker's
 * WebAssembly memory (wasm-scratch.ts). Each is the JavaScript loop transcribed with the same
 * arithmetic in the same order, bit for bit (the fused test compares them with the reference on
 * random blocks); compiled, they run ~2x faster (no bounds checks, no deoptimisation): see
 * BENCHMARKS.md. Pointers are byte offsets into the memory.
 */

// L2A_SCALE of src/raster/radiometry.ts, the source of truth (AssemblyScript cannot import it);
// test/unit/radiometry.test.ts checks that the two agree.
const SCALE: f64 = 1.0 / 10000.0;

// PixelStatus of scl-mask.ts, as the 256-entry table at `lut` holds it.
const CLEAR: u8 = 0;
const NODATA: u8 = 2;

function misflaggedWater(blue: f64, red: f64, nir: f64): bool {
  return nir < 0.15 && blue > 0.06 && blue >= red - 0.01;
}

/**
 * R, N (and B, G when given: 0 means absent) are w x h u16 DNs; S (u16) and C (u8) the 20 m SWIR
 * and SCL, ((w + 1) >> 1) wide; `visible` asks for the blue and green composites (and for blue and
 * green to hold data). Writes the f32 planes and the u8 count planes (clear, valid, restored,
 * firstClear) of the season, w x h each.
 */
export function compositeOneLook(
  R: usize,
  N: usize,
  B: usize,
  G: usize,
  S: usize,
  C: usize,
  lut: usize,
  w: i32,
  h: i32,
  offsetDn: i32,
  visible: bool,
  red: usize,
  nir: usize,
  blue: usize,
  green: usize,
  clear: usize,
  valid: usize,
  restored: usize,
  firstClear: usize,
): void {
  const n = <usize>(w * h);
  memory.fill(clear, 1, n);
  memory.fill(valid, 1, n);
  memory.fill(restored, 0, n);
  memory.fill(firstClear, 0, n);
  const w2 = (w + 1) >> 1;
  const off = <f64>offsetDn;
  const hasBlue = B != 0;
  for (let y = 0; y < h; y++) {
    const row2 = (y >> 1) * w2;
    for (let x = 0; x < w; x++) {
      const i = <usize>(y * w + x);
      const q = <usize>(row2 + (x >> 1));
      const dnR = <i32>load<u16>(R + (i << 1));
      const dnN = <i32>load<u16>(N + (i << 1));
      const dnB = hasBlue ? <i32>load<u16>(B + (i << 1)) : 0;
      const dnG = visible ? <i32>load<u16>(G + (i << 1)) : 1;
      const scl = <i32>load<u8>(C + q);
      const status = load<u8>(lut + <usize>scl);
      let usable = true;
      if (
        dnR == 0 ||
        dnN == 0 ||
        (visible && (dnB == 0 || dnG == 0)) ||
        load<u16>(S + (q << 1)) == 0 ||
        status == NODATA
      ) {
        store<u8>(valid + i, 0);
        usable = false;
      } else if (status != CLEAR) {
        if (
          (scl == 8 || scl == 9) &&
          misflaggedWater((<f64>dnB + off) * SCALE, (<f64>dnR + off) * SCALE, (<f64>dnN + off) * SCALE)
        )
          store<u8>(restored + i, 1);
        else usable = false;
      }
      const j = i << 2;
      if (!usable) {
        store<u8>(clear + i, 0);
        store<u8>(firstClear + i, 255);
        store<f32>(red + j, NaN);
        store<f32>(nir + j, NaN);
        if (visible) {
          store<f32>(blue + j, NaN);
          store<f32>(green + j, NaN);
        }
        continue;
      }
      store<f32>(red + j, <f32>((<f64>dnR + off) * SCALE));
      store<f32>(nir + j, <f32>((<f64>dnN + off) * SCALE));
      if (visible) {
        store<f32>(blue + j, <f32>((<f64>dnB + off) * SCALE));
        store<f32>(green + j, <f32>((<f64>dnG + off) * SCALE));
      }
    }
  }
}

/**
 * evidenceCore's per-pixel classification: NDVI of both composites (double, from their float32
 * values), NDVI before stored as float32 for the pond test, and the clearing bit. Every flag byte
 * is written (0 or 1).
 */
export function classify(
  nirB: usize,
  redB: usize,
  nirA: usize,
  redA: usize,
  n: i32,
  forestNdviMin: f64,
  bareNdviMax: f64,
  ndviDropMin: f64,
  ndviB: usize,
  flags: usize,
): void {
  for (let k = 0; k < n; k++) {
    const i = <usize>k;
    const j = i << 2;
    const nb = <f64>load<f32>(nirB + j);
    const rb = <f64>load<f32>(redB + j);
    const na = <f64>load<f32>(nirA + j);
    const ra = <f64>load<f32>(redA + j);
    const vb = (nb - rb) / (nb + rb);
    const va = (na - ra) / (na + ra);
    store<f32>(ndviB + j, <f32>vb);
    store<u8>(flags + i, vb >= forestNdviMin && va <= bareNdviMax && vb - va >= ndviDropMin ? 1 : 0);
  }
}

const TURQUOISE: u8 = 1;
const DARK: u8 = 2;
const TURBID: u8 = 3;

/** Mean of `band` over the land pixels (NIR >= land) of rows [y0, y1) x columns [x0, x1). */
function boxMean(band: usize, nirA: usize, w: i32, x0: i32, x1: i32, y0: i32, y1: i32, land: f64): f64 {
  let sum: f64 = 0;
  let k: f64 = 0;
  for (let yy = y0; yy < y1; yy++) {
    for (let xx = x0; xx < x1; xx++) {
      const j = (<usize>(yy * w + xx)) << 2;
      if (!(<f64>load<f32>(nirA + j) >= land)) continue;
      sum += <f64>load<f32>(band + j);
      k++;
    }
  }
  return sum / k;
}

/**
 * pond-unmixing.ts's pond unmixing, the same tests in the same order with the same double
 * arithmetic: integral images of land NIR, red and count kept as a ring of R = min(h + 1, 2r + 2)
 * rows (sumNir, sumRed, cnt: f64, (w + 1) x R each), box means of blue and green summed directly
 * for the few pixels that pass the NIR and background tests. Writes pondF (0..255, every byte)
 * and ORs the pond kind << 1 into flags.
 */
export function ponds(
  w: i32,
  h: i32,
  blueA: usize,
  greenA: usize,
  redA: usize,
  nirA: usize,
  nirBefore: usize,
  ndviBefore: usize,
  r: i32,
  sumNir: usize,
  sumRed: usize,
  cnt: usize,
  minNirDeficit: f64,
  pondNdviBeforeMin: f64,
  pondBackgroundNdviMax: f64,
  waterNir: f64,
  pondFractionMin: f64,
  land: f64,
  pondF: usize,
  flags: usize,
): void {
  const W = w + 1;
  const R = min(h + 1, 2 * r + 2);
  memory.fill(sumNir, 0, (<usize>(W * R)) << 3);
  memory.fill(sumRed, 0, (<usize>(W * R)) << 3);
  memory.fill(cnt, 0, (<usize>(W * R)) << 3);
  memory.fill(pondF, 0, <usize>(w * h));
  let rowsDone = 0;
  for (let y = 0; y < h; y++) {
    const y0 = max(0, y - r);
    const y1 = min(h, y + r + 1);
    while (rowsDone < y1) {
      // Integral row Y (1..h) from row Y - 1 and image row Y - 1.
      const Y = ++rowsDone;
      let rs: f64 = 0;
      let rr: f64 = 0;
      let rc: f64 = 0;
      const row = (Y - 1) * w;
      const o0 = (Y % R) * W + 1;
      const p0 = ((Y - 1) % R) * W + 1;
      for (let x = 0; x < w; x++) {
        const j = (<usize>(row + x)) << 2;
        const nir = <f64>load<f32>(nirA + j);
        if (nir >= land) {
          rs += nir;
          rr += <f64>load<f32>(redA + j);
          rc++;
        }
        const o = (<usize>(o0 + x)) << 3;
        const p = (<usize>(p0 + x)) << 3;
        store<f64>(sumNir + o, load<f64>(sumNir + p) + rs);
        store<f64>(sumRed + o, load<f64>(sumRed + p) + rr);
        store<f64>(cnt + o, load<f64>(cnt + p) + rc);
      }
    }
    const ring1 = (y1 % R) * W;
    const ring0 = (y0 % R) * W;
    for (let x = 0; x < w; x++) {
      const i = <usize>(y * w + x);
      const j = i << 2;
      const nir = <f64>load<f32>(nirA + j);
      if (nir != nir) continue;
      const x0 = max(0, x - r);
      const x1 = min(w, x + r + 1);
      const a = (<usize>(ring1 + x1)) << 3;
      const b = (<usize>(ring0 + x1)) << 3;
      const c = (<usize>(ring1 + x0)) << 3;
      const d = (<usize>(ring0 + x0)) << 3;
      const count = load<f64>(cnt + a) - load<f64>(cnt + b) - load<f64>(cnt + c) + load<f64>(cnt + d);
      if (count < 8) continue;
      const bgNir =
        (load<f64>(sumNir + a) - load<f64>(sumNir + b) - load<f64>(sumNir + c) + load<f64>(sumNir + d)) /
        count;
      const deficit = bgNir - nir;
      if (deficit < minNirDeficit) continue;
      const nb = <f64>load<f32>(nirBefore + j);
      if (nb != nb || nb < land || !(<f64>load<f32>(ndviBefore + j) >= pondNdviBeforeMin)) continue;
      const bgRed =
        (load<f64>(sumRed + a) - load<f64>(sumRed + b) - load<f64>(sumRed + c) + load<f64>(sumRed + d)) /
        count;
      const bgNdvi = (bgNir - bgRed) / (bgNir + bgRed);
      if (bgNdvi > pondBackgroundNdviMax) continue;
      const bgBlue = boxMean(blueA, nirA, w, x0, x1, y0, y1, land);
      const bgGreen = boxMean(greenA, nirA, w, x0, x1, y0, y1, land);
      const f = min<f64>(1, deficit / max<f64>(0.05, bgNir - waterNir));
      if (f < pondFractionMin) continue;
      const wb = (<f64>load<f32>(blueA + j) - (1 - f) * bgBlue) / f;
      const wg = (<f64>load<f32>(greenA + j) - (1 - f) * bgGreen) / f;
      const wr = (<f64>load<f32>(redA + j) - (1 - f) * bgRed) / f;
      if (wg < wr - 0.005 || wg < 0.015 || wb < -0.02) continue;
      let kind = TURBID;
      if (wb >= wr && wb >= 0.05) kind = TURQUOISE;
      else if (wg < 0.08 && wb < 0.08 && abs<f64>(wg - wr) <= 0.012 && abs<f64>(wb - wr) <= 0.015)
        kind = DARK;
      // Math.round of a value in [63.75, 255]: floor(v + 0.5), exact at these magnitudes.
      store<u8>(pondF + i, <u8>floor<f64>(f * 255 + 0.5));
      store<u8>(flags + i, load<u8>(flags + i) | (kind << 1));
    }
  }
}
