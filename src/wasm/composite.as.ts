/**
 * AssemblyScript (compiled to dist/wasm/composite.wasm by `make build`): the one-look composite of
 * block-evidence.ts, on planes in the worker's WebAssembly memory. Same arithmetic, bit for bit:
 * values are (dn + offset) * 1e-4 in double, rounded to float32 when stored, NaN where the look
 * is not usable. It runs ~2x faster than the same loop in JavaScript (no bounds checks, no
 * deoptimisation), which is why it exists; see BENCHMARKS.md. Pointers are byte offsets.
 */

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
