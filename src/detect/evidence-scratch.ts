/** The planes a block's evidence is computed in, and the compiled kernels a scratch may offer. */
import type { Observation, SeasonComposite } from './block-input.js';
import type { DetectParams } from './params.js';

/**
 * Reusable planes for blockEvidence. A pool worker keeps one and hands it to every block, so the
 * per-season composites and the pond integral images are allocated once per worker rather than
 * once per block (tens of MB a block, most of it zero-filled only to be overwritten).
 * Arrays are grown on demand and handed out as views of exactly n values.
 */
export class EvidenceScratch {
  private readonly f32s = new Map<string, Float32Array>();
  private readonly f64s = new Map<string, Float64Array>();
  private readonly u8s = new Map<string, Uint8Array>();

  /**
   * Called once per block before any plane is asked for, with an upper bound of the bytes the
   * block will ask for; a scratch in WebAssembly memory (wasm-scratch.ts) grows there, so no
   * plane already handed out is invalidated by a later request. Plain arrays need nothing.
   */
  reserve(_bytes: number): void {}

  /**
   * Compiled kernels over this scratch's planes (wasm-scratch.ts), or none: plain arrays take the
   * JavaScript loops, and a one-look season the median path, which gives the same values.
   */
  kernels(): BlockKernels | undefined {
    return undefined;
  }

  f32(name: string, n: number): Float32Array {
    let a = this.f32s.get(name);
    if (!a || a.length < n) this.f32s.set(name, (a = new Float32Array(n)));
    return a.subarray(0, n);
  }

  u8(name: string, n: number): Uint8Array {
    let a = this.u8s.get(name);
    if (!a || a.length < n) this.u8s.set(name, (a = new Uint8Array(n)));
    return a.subarray(0, n);
  }

  f64(name: string, n: number): Float64Array {
    let a = this.f64s.get(name);
    if (!a || a.length < n) this.f64s.set(name, (a = new Float64Array(n)));
    return a.subarray(0, n);
  }
}

/**
 * A block's pixel loops, compiled (wasm-scratch.ts): the same results as the JavaScript loops
 * (season-composite.ts, evidence-core.ts, pond-unmixing.ts), on
 * planes of the scratch that offers them. `compositeOneLook` fills a one-look season's planes;
 * `classify` writes every byte of flags and ndviBefore; `ponds` every byte of pondF, and ORs the
 * pond kind into flags.
 */
export interface BlockKernels {
  compositeOneLook(o: Observation, w: number, h: number, s: SeasonComposite): void;
  classify(
    before: SeasonComposite,
    after: SeasonComposite,
    p: DetectParams,
    ndviBefore: Float32Array,
    flags: Uint8Array,
  ): void;
  ponds(
    w: number,
    h: number,
    before: SeasonComposite,
    after: SeasonComposite,
    ndviBefore: Float32Array,
    p: DetectParams,
    rings: [Float64Array, Float64Array, Float64Array],
    pondF: Uint8Array,
    flags: Uint8Array,
  ): void;
}
