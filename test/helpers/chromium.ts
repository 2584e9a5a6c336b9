/** Debian's chromium for the viewer's end-to-end test; absent Chromium is reported, not hidden. */
import { spawnSync } from 'node:child_process';

export function chromiumAvailability(): { ok: true; path: string } | { ok: false; reason: string } {
  const candidates = [process.env['MINEWATCH_CHROMIUM'], 'chromium', 'chromium-browser', 'google-chrome'];
  for (const c of candidates) {
    if (!c) continue;
    const r = spawnSync('sh', ['-c', `command -v "${c}"`], { encoding: 'utf8' });
    const found = r.stdout.trim();
    if (r.status === 0 && found) return { ok: true, path: found };
  }
  return { ok: false, reason: 'chromium is not installed (Debian package chromium; .ci/run installs it)' };
}

/** Flags for headless WebGL with no GPU: SwiftShader through ANGLE. `--no-sandbox` because CI runs as root. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--ignore-gpu-blocklist',
  // Nothing reaches out: no QUIC, no first-run, no background fetches, no component updates, no sync.
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
