/**
 * `--aoi <path|preset>`: a GeoJSON file, or the name of a preset in config/aoi/ (default kachin).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidInputError } from '../errors.js';
import { parseAoi, type Aoi } from '../geo/aoi.js';

export const PRESET_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../config/aoi');

export function presetNames(): string[] {
  if (!existsSync(PRESET_DIR)) return [];
  return readdirSync(PRESET_DIR)
    .filter((f) => f.endsWith('.geojson'))
    .map((f) => f.slice(0, -'.geojson'.length))
    .sort();
}

export function loadAoi(arg: string): Aoi {
  const isPreset = /^[a-z0-9-]+$/.test(arg) && !existsSync(arg);
  const file = isPreset ? path.join(PRESET_DIR, `${arg}.geojson`) : path.resolve(arg);
  if (!existsSync(file)) {
    throw new InvalidInputError(
      isPreset
        ? `invalid AOI ${arg}: no such preset (presets: ${presetNames().join(', ') || 'none'}) and no such file`
        : `invalid AOI ${arg}: file not found`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    // Node's message quotes the text near the error: say where, never what (the path may name
    // a file that is not an AOI at all, and this line can end up in a log or a job's failure).
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new InvalidInputError(`invalid AOI ${arg}: not valid JSON${at ? ` (at character ${at})` : ''}`);
  }
  return parseAoi(json, arg, isPreset ? arg : path.basename(file));
}
