import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { L2A_QUANTIFICATION, L2A_SCALE } from '../../src/raster/radiometry.js';

// src/wasm/block-kernels.as.ts keeps its own copy of the scale (AssemblyScript imports no TS).
const KERNELS = new URL('../../src/wasm/block-kernels.as.ts', import.meta.url);

describe('L2A radiometry', () => {
  it('is 1 / 10000, the same double as the literals 0.0001 and 1e-4', () => {
    expect(L2A_QUANTIFICATION).toBe(10000);
    expect(L2A_SCALE).toBe(0.0001);
    expect(L2A_SCALE).toBe(1e-4);
  });

  it('is the scale the AssemblyScript kernels multiply by', () => {
    const source = readFileSync(KERNELS, 'utf8');
    const m = /^const SCALE: f64 = ([\d.]+) \/ ([\d.]+);$/m.exec(source);
    expect(m, 'no `const SCALE: f64 = a / b;` in block-kernels.as.ts').not.toBeNull();
    const [, num = '', den = ''] = m ?? [];
    expect(Number(num) / Number(den)).toBe(L2A_SCALE);
  });
});
