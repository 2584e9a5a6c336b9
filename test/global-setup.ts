/**
 * Generates the small synthetic world once per test run (about 6 s) for every test file that
 * needs real COGs behind a real STAC API. Deterministic: seed 7, preset "small".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { smallWorldConfig } from '../src/fixtures/world/config.js';
import { generateWorld } from '../src/fixtures/world/generate.js';

export const SMALL_WORLD_SEED = 7;

declare module 'vitest' {
  export interface ProvidedContext {
    smallWorld: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const root = mkdtempSync(path.join(tmpdir(), 'minewatch-test-world-'));
  const dir = path.join(root, 'world');
  await generateWorld(smallWorldConfig(SMALL_WORLD_SEED), dir);
  project.provide('smallWorld', dir);
  return () => rmSync(root, { recursive: true, force: true });
}
