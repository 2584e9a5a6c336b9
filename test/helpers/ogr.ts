/** GDAL's ogrinfo for interop checks; absent GDAL is reported, not hidden. */
import { spawnSync } from 'node:child_process';

export function gdalAvailability(): { ok: true } | { ok: false; reason: string } {
  const r = spawnSync('ogrinfo', ['--version'], { encoding: 'utf8' });
  if (r.status === 0) return { ok: true };
  return { ok: false, reason: 'ogrinfo is not installed (Debian package gdal-bin)' };
}

export function runOgrinfo(file: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('ogrinfo', ['-ro', '-al', '-so', file], {
    encoding: 'utf8',
    env: { ...process.env, GDAL_PAM_ENABLED: 'NO' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
