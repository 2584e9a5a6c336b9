/**
 * The compiled block kernels for this thread: dist/wasm/block-kernels.wasm (`make build` writes
 * it) read and compiled once, on first use, so that detect/wasm-scratch.ts does no I/O.
 */
import { readFileSync } from 'node:fs';
import { compileBlockKernels, type BlockKernelsModule } from '../detect/wasm-scratch.js';
import { InternalError } from '../errors.js';

const WASM_URL = new URL('../../dist/wasm/block-kernels.wasm', import.meta.url);

let kernelModule: BlockKernelsModule | undefined;

/** The kernels' module; a missing or broken file throws one line naming it. */
export function blockKernelsModule(): BlockKernelsModule {
  kernelModule ??= load();
  return kernelModule;
}

function load(): BlockKernelsModule {
  try {
    return compileBlockKernels(readFileSync(WASM_URL));
  } catch (err) {
    throw new InternalError(
      `cannot load the block kernels ${WASM_URL.pathname} (run \`make build\`): ${(err as Error).message}`,
      { cause: err },
    );
  }
}
