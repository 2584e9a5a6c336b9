/**
 * Locates GDAL's command-line tools, Python bindings and COG validator for interop tests, and says
 * plainly why they are unusable when they are.
 *
 * Overrides: GDALINFO (path of gdalinfo), GDAL_PYTHON (a python3 with `osgeo` importable; default
 * /usr/bin/python3, because the python3 first on PATH may be a pyenv shim without GDAL bindings).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const VALIDATOR_MODULE = 'osgeo_utils.samples.validate_cloud_optimized_geotiff';
const VALIDATOR_FILE = 'validate_cloud_optimized_geotiff.py';

export interface GdalTools {
  gdalinfo: string;
  python: string;
  /** e.g. "GDAL 3.6.2, released 2023/01/02" */
  version: string;
  /** How to run the validator: a python module name, or the path of a script file. */
  validator: { module: string } | { file: string };
}

export type GdalProbe = { available: true; tools: GdalTools } | { available: false; reason: string };

function run(
  cmd: string,
  args: string[],
): { ok: boolean; stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const stderr = r.error ? `${r.error.message}\n${r.stderr ?? ''}` : (r.stderr ?? '');
  return { ok: !r.error && r.status === 0, stdout: r.stdout ?? '', stderr, status: r.status };
}

/** Candidate script files, Debian's python3-gdal examples first; a gzipped copy is unpacked to a temp dir. */
function findValidatorFile(): string | undefined {
  const candidates = [
    `/usr/share/doc/python3-gdal/examples/${VALIDATOR_FILE}`,
    `/usr/share/doc/python3-gdal/examples/${VALIDATOR_FILE}.gz`,
  ];
  const dpkg = run('dpkg', ['-L', 'python3-gdal']);
  if (dpkg.ok) candidates.push(...dpkg.stdout.split('\n').filter((p) => p.includes(VALIDATOR_FILE)));
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    if (!path.endsWith('.gz')) return path;
    const out = join(mkdtempSync(join(tmpdir(), 'cog-validator-')), VALIDATOR_FILE);
    writeFileSync(out, gunzipSync(readFileSync(path)));
    return out;
  }
  return undefined;
}

let cached: GdalProbe | undefined;

/** Finds gdalinfo, a python3 with GDAL bindings and the COG validator; cached. */
export function probeGdal(): GdalProbe {
  if (cached) return cached;
  const gdalinfo = process.env.GDALINFO ?? 'gdalinfo';
  const python = process.env.GDAL_PYTHON ?? '/usr/bin/python3';
  const version = run(gdalinfo, ['--version']);
  if (!version.ok) {
    cached = {
      available: false,
      reason: `'${gdalinfo} --version' failed (${version.stderr.trim() || `exit ${version.status}`}); install gdal-bin`,
    };
    return cached;
  }
  const bindings = run(python, ['-c', 'from osgeo import gdal; print(gdal.__version__)']);
  if (!bindings.ok) {
    cached = {
      available: false,
      reason: `${python} cannot import osgeo.gdal (${bindings.stderr.trim().split('\n').pop()}); install python3-gdal or set GDAL_PYTHON`,
    };
    return cached;
  }
  let validator: GdalTools['validator'] | undefined;
  if (run(python, ['-c', `import ${VALIDATOR_MODULE}`]).ok) validator = { module: VALIDATOR_MODULE };
  else {
    const file = findValidatorFile();
    if (file) validator = { file };
  }
  if (!validator) {
    cached = {
      available: false,
      reason: `neither the python module ${VALIDATOR_MODULE} nor ${VALIDATOR_FILE} was found (python3-gdal)`,
    };
    return cached;
  }
  cached = { available: true, tools: { gdalinfo, python, version: version.stdout.trim(), validator } };
  return cached;
}

/** True when the CI environment variable is set to something other than '', '0' or 'false'. */
export function isCi(): boolean {
  const v = process.env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

export interface GdalinfoResult {
  // gdalinfo -json output: an open-ended JSON document.
  json: Record<string, unknown>;
  /** Whatever GDAL printed on stderr (warnings about the file land here). */
  stderr: string;
}

export function gdalinfoJson(tools: GdalTools, path: string, extraArgs: string[] = []): GdalinfoResult {
  const r = run(tools.gdalinfo, ['-json', ...extraArgs, path]);
  if (!r.ok) throw new Error(`gdalinfo failed on ${path}: ${r.stderr}`);
  return { json: JSON.parse(r.stdout) as Record<string, unknown>, stderr: r.stderr };
}

/** Runs a python snippet with GDAL bindings; returns stdout. sys.argv[1:] are `args`. */
export function runGdalPython(tools: GdalTools, script: string, args: string[] = []): string {
  const r = run(tools.python, ['-c', script, ...args]);
  if (!r.ok) throw new Error(`python (GDAL) failed: ${r.stderr}`);
  return r.stdout;
}

export interface CogValidation {
  errors: string[];
  warnings: string[];
  /** GDAL messages (stderr) emitted while validating. */
  stderr: string;
}

const VALIDATE_SCRIPT = `
import importlib, importlib.util, json, sys
kind, ref, path = sys.argv[1:4]
if kind == 'module':
    v = importlib.import_module(ref)
else:
    spec = importlib.util.spec_from_file_location('cog_validator', ref)
    v = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(v)
try:
    res = v.validate(path, full_check=True)
    # GDAL >= 3.1 returns (warnings, errors, details); older scripts (errors, details)
    warnings, errors = (res[0], res[1]) if len(res) == 3 else ([], res[0])
except v.ValidateCloudOptimizedGeoTIFFException as e:
    warnings, errors = [], [str(e)]
print(json.dumps({'errors': errors, 'warnings': warnings}))
`;

/** GDAL's COG validator with full (leader/trailer) checks, as structured output. */
export function validateCog(tools: GdalTools, path: string): CogValidation {
  const [kind, ref] =
    'module' in tools.validator ? ['module', tools.validator.module] : ['file', tools.validator.file];
  const r = run(tools.python, ['-c', VALIDATE_SCRIPT, kind, ref, path]);
  if (!r.ok) throw new Error(`COG validator crashed on ${path}: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { errors: string[]; warnings: string[] };
  return { ...out, stderr: r.stderr };
}

/** The validator as a user runs it from the shell: exit status and printed report. */
export function runValidatorCli(tools: GdalTools, path: string): { status: number | null; output: string } {
  const args =
    'module' in tools.validator ? ['-m', tools.validator.module, path] : [tools.validator.file, path];
  const r = run(tools.python, args);
  return { status: r.status, output: r.stdout + r.stderr };
}
