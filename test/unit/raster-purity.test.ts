import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// src/raster is pure compute (STYLE.md habit 1): no I/O, no network, no clock, no randomness.
const dir = path.resolve(import.meta.dirname, '../../src/raster');
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

describe('src/raster purity', () => {
  it('has kernels to check', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  it.each(files)('%s imports only sibling kernels and touches no I/O or clock', (file) => {
    const src = readFileSync(path.join(dir, file), 'utf8');
    const imports = [...src.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]/g)].map(
      (m) => m[1] ?? m[2],
    );
    for (const spec of imports) expect(spec, `${file} imports ${spec}`).toMatch(/^\.\/[\w-]+\.js$/);
    const code = src.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''); // comments may mention anything
    for (const banned of [
      /\bfetch\s*\(/,
      /\bDate\b/,
      /\bperformance\./,
      /\bprocess\./,
      /\bMath\.random\b/,
      /\brequire\s*\(/,
    ]) {
      expect(code, `${file} uses ${banned}`).not.toMatch(banned);
    }
    expect(src.split('\n').length, `${file} is too long`).toBeLessThan(150);
  });
});
