/**
 * EvidenceScratch in WebAssembly memory, with the kernels compiled from
 * src/wasm/block-kernels.as.ts (`make build` writes dist/wasm/block-kernels.wasm; the caller reads
 * the bytes, see run/block-kernels-module.ts, and hands the compiled module in): the one-look
 * composite, the NDVI classification and the pond search. The scan's workers use it: the planes
 * live where the kernels write them, so nothing is copied back, and the kernels run ~2x faster
 * than the same loops in JavaScript (BENCHMARKS.md). Planes are bump-allocated per block after
 * reserve() has grown the memory once, because growing a memory detaches every view already
 * handed out.
 */
import { SCL_STATUS_LUT } from '../raster/scl-mask.js';
import type { Observation, SeasonComposite } from './block-input.js';
import { EvidenceScratch, type BlockKernels } from './evidence-scratch.js';
import type { DetectParams } from './params.js';

const PAGE = 64 * 1024;
/** Below this, whatever the compiled module keeps for itself (it declares no data today). */
const HEAP_BASE = PAGE;

interface KernelExports {
  compositeOneLook(...args: number[]): void;
  classify(...args: number[]): void;
  ponds(...args: number[]): void;
}

/** The part of the WebAssembly API used here (Node's types declare its namespace, not its values). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

declare const compiled: unique symbol;
/** block-kernels.wasm compiled (a WebAssembly.Module): each scratch instantiates it over its own memory. */
export type BlockKernelsModule = object & { readonly [compiled]: true };

/** Compiles the kernels' bytes; throws WebAssembly's CompileError on bytes that are not them. */
export function compileBlockKernels(bytes: Uint8Array): BlockKernelsModule {
  return new wasm.Module(bytes) as BlockKernelsModule;
}

export class WasmEvidenceScratch extends EvidenceScratch {
  private readonly memory = new wasm.Memory({ initial: 2 });
  private readonly kernel: KernelExports;
  private readonly blockKernels: BlockKernels;
  private top = HEAP_BASE;
  private limit = HEAP_BASE;

  constructor(kernelModule: BlockKernelsModule) {
    super();
    const instance = new wasm.Instance(kernelModule, { env: { memory: this.memory } });
    this.kernel = instance.exports as unknown as KernelExports;
    this.blockKernels = this.compile();
  }

  override reserve(bytes: number): void {
    const need = HEAP_BASE + bytes;
    if (this.memory.buffer.byteLength < need)
      this.memory.grow(Math.ceil((need - this.memory.buffer.byteLength) / PAGE));
    this.top = HEAP_BASE;
    this.limit = need;
  }

  private alloc(bytes: number): number {
    const at = this.top;
    this.top = (at + bytes + 15) & ~15;
    if (this.top > this.limit)
      throw new RangeError(
        `evidence scratch: ${this.top - HEAP_BASE} bytes asked, ${this.limit - HEAP_BASE} reserved`,
      );
    return at;
  }

  override f32(_name: string, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, this.alloc(4 * n), n);
  }

  override f64(_name: string, n: number): Float64Array {
    return new Float64Array(this.memory.buffer, this.alloc(8 * n), n);
  }

  override u8(_name: string, n: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, this.alloc(n), n);
  }

  private u16(n: number): Uint16Array {
    return new Uint16Array(this.memory.buffer, this.alloc(2 * n), n);
  }

  override kernels(): BlockKernels {
    return this.blockKernels;
  }

  private compile(): BlockKernels {
    const k = this.kernel;
    return {
      compositeOneLook: (o, w, h, s) => this.compositeOneLook(o, w, h, s),
      classify(before, after, p: DetectParams, ndviBefore, flags): void {
        k.classify(
          before.nir.byteOffset,
          before.red.byteOffset,
          after.nir.byteOffset,
          after.red.byteOffset,
          flags.length,
          p.forestNdviMin,
          p.bareNdviMax,
          p.ndviDropMin,
          ndviBefore.byteOffset,
          flags.byteOffset,
        );
      },
      ponds(w, h, before, after, ndviBefore, p: DetectParams, rings, pondF, flags): void {
        const [sumNir, sumRed, cnt] = rings;
        k.ponds(
          w,
          h,
          (after.blue as Float32Array).byteOffset,
          (after.green as Float32Array).byteOffset,
          after.red.byteOffset,
          after.nir.byteOffset,
          before.nir.byteOffset,
          ndviBefore.byteOffset,
          p.backgroundRadius,
          sumNir.byteOffset,
          sumRed.byteOffset,
          cnt.byteOffset,
          p.minNirDeficit,
          p.pondNdviBeforeMin,
          p.pondBackgroundNdviMax,
          p.waterNir,
          p.pondFractionMin,
          p.landNirMin,
          pondF.byteOffset,
          flags.byteOffset,
        );
      },
    };
  }

  /** Copies the look's DNs in and runs the kernel; the season planes must be this scratch's. */
  private compositeOneLook(o: Observation, w: number, h: number, s: SeasonComposite): void {
    const n = w * h;
    const n2 = ((w + 1) >> 1) * ((h + 1) >> 1);
    const copy16 = (a: Uint16Array | undefined, len: number): number => {
      if (a === undefined) return 0;
      const v = this.u16(len);
      v.set(a.subarray(0, len));
      return v.byteOffset;
    };
    const visible = s.blue !== undefined && s.green !== undefined;
    const scl = this.u8('scl', n2);
    scl.set(o.scl.subarray(0, n2));
    const lut = this.u8('lut', 256);
    lut.set(SCL_STATUS_LUT);
    const none = 0;
    this.kernel.compositeOneLook(
      copy16(o.red, n),
      copy16(o.nir, n),
      copy16(o.blue, n),
      visible ? copy16(o.green, n) : none,
      copy16(o.swir16, n2),
      scl.byteOffset,
      lut.byteOffset,
      w,
      h,
      o.offsetDn,
      visible ? 1 : 0,
      s.red.byteOffset,
      s.nir.byteOffset,
      s.blue?.byteOffset ?? none,
      s.green?.byteOffset ?? none,
      s.clear.byteOffset,
      s.valid.byteOffset,
      s.restored.byteOffset,
      s.firstClear.byteOffset,
    );
  }
}
