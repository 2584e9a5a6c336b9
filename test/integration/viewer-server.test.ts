/**
 * `minewatch serve` is read-only and confined to the output folder: traversal in every spelling,
 * symlinks out, hidden temporaries, directories and other methods are refused; content types are
 * right; it binds loopback unless told otherwise.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../../src/cli/commands/serve.js';
import { InvalidInputError } from '../../src/errors.js';
import { route } from '../../src/viewer/static-files.js';
import { startViewerServer, type ViewerServer } from '../../src/viewer/viewer-server.js';

let tmp: string;
let out: string;
let server: ViewerServer;

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request with the target sent verbatim (no client-side normalisation of "..", "%2e"...). */
function raw(target: string, method = 'GET', host = '127.0.0.1'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(server.url.port), '127.0.0.1');
    let data = '';
    s.on('data', (d: Buffer) => (data += d.toString('latin1')));
    s.on('error', reject);
    s.on('end', () => {
      const [head = '', ...rest] = data.split('\r\n\r\n');
      const [status = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(status.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    s.write(`${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  });
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'mw-serve-'));
  out = path.join(tmp, 'out');
  mkdirSync(path.join(out, 'chips'), { recursive: true });
  writeFileSync(path.join(out, 'candidates.geojson'), '{"type":"FeatureCollection","features":[]}\n');
  writeFileSync(path.join(out, 'chips', 'a b.png'), 'png');
  writeFileSync(path.join(out, '.candidates.geojson.1.tmp'), 'temporary');
  writeFileSync(path.join(tmp, 'secret.txt'), 'SECRET');
  symlinkSync(path.join(tmp, 'secret.txt'), path.join(out, 'link-out.txt'));
  symlinkSync(tmp, path.join(out, 'dir-out'));
  symlinkSync(path.join(out, 'candidates.geojson'), path.join(out, 'link-in.geojson'));
  server = await startViewerServer({ root: out });
});
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('viewer server', () => {
  it('binds 127.0.0.1 by default', () => {
    expect(server.url.hostname).toBe('127.0.0.1');
  });

  it('serves the page, MapLibre and output files with their content types', async () => {
    const page = await raw('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('/viewer/viewer.js');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect((await raw('/viewer/viewer.js')).headers['content-type']).toMatch(/^text\/javascript/);
    const ml = await raw('/vendor/maplibre-gl/maplibre-gl-worker.mjs?v=6.17.0');
    expect(ml.status).toBe(200);
    expect(ml.headers['content-type']).toMatch(/^text\/javascript/);
    expect((await raw('/vendor/maplibre-gl/maplibre-gl.css')).headers['content-type']).toMatch(/^text\/css/);
    const gj = await raw('/data/candidates.geojson');
    expect(gj.status).toBe(200);
    expect(gj.headers['content-type']).toBe('application/geo+json; charset=utf-8');
    const chip = await raw('/data/chips/a%20b.png');
    expect([chip.status, chip.headers['content-type'], chip.body]).toEqual([200, 'image/png', 'png']);
    // A symlink that stays inside the folder is fine.
    expect((await raw('/data/link-in.geojson')).status).toBe(200);
  });

  it('answers HEAD without a body and refuses every other method', async () => {
    const head = await raw('/data/candidates.geojson', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('43');
    expect(head.body).toBe('');
    for (const m of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const r = await raw('/data/candidates.geojson', m);
      expect(r.status, m).toBe(405);
      expect(r.headers['allow']).toBe('GET, HEAD');
    }
  });

  it.each([
    '/data/../secret.txt',
    '/data/%2e%2e/secret.txt',
    '/data/%2E%2E/secret.txt',
    '/data/..%2fsecret.txt',
    '/data/%2e%2e%2fsecret.txt',
    '/data/chips/../../secret.txt',
    '/data/..\\secret.txt',
    '/data/%5c..%5csecret.txt',
    '/data//etc/passwd',
    '/data/%2fetc%2fpasswd',
    '/data/C:%5cWindows',
    '/data/candidates.geojson%00.png',
    '/../package.json',
    '/etc/passwd',
    '/package.json',
    '/vendor/maplibre-gl/../../package.json',
    '/vendor/maplibre-gl/package.json',
    '/viewer/../static-files.ts',
    '/data/link-out.txt',
    '/data/dir-out/secret.txt',
    '/data/.candidates.geojson.1.tmp',
    'http://127.0.0.1/etc/passwd',
    '*',
  ])('refuses %s', async (target) => {
    const r = await raw(target);
    expect([400, 404]).toContain(r.status);
    expect(r.body).not.toContain('SECRET');
    expect(r.body).not.toContain('root:');
  });

  it('answers only to loopback host names (no DNS rebinding)', async () => {
    expect((await raw('/data/candidates.geojson', 'GET', 'evil.example:80')).status).toBe(421);
    expect((await raw('/data/candidates.geojson', 'GET', `localhost:${server.url.port}`)).status).toBe(200);
  });

  it('lists no directory', async () => {
    for (const t of ['/data/', '/data/chips', '/data/chips/', '/data']) {
      const r = await raw(t);
      expect(r.status, t).toBe(404);
      expect(r.body, t).not.toContain('a b.png');
    }
  });

  it('routes without touching the disk: fixed assets by list, data by plain segments', () => {
    expect(route('/data/chips/x.png')).toEqual({ kind: 'data', segments: ['chips', 'x.png'] });
    expect(route('/data/%E0%A4%A')).toMatchObject({ kind: 'bad', status: 400 });
    expect(route('/data/a/./b')).toMatchObject({ kind: 'bad' });
    expect(route('/')).toMatchObject({ kind: 'fixed' });
  });
});

describe('minewatch serve', () => {
  const io = () => {
    const lines: string[] = [];
    return {
      lines,
      io: {
        stdout: { write: (t: string) => lines.push(t) },
        signals: { once: () => undefined, off: () => undefined },
      },
    };
  };

  it('prints the loopback URL of a scan folder', async () => {
    const { lines, io: sio } = io();
    const s = await serve({ outDir: out, host: '127.0.0.1', port: 0, allowRemote: false }, sio);
    try {
      expect(lines[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\n$/);
    } finally {
      await s.close();
    }
  });

  it('refuses a non-loopback host without --allow-remote, and a folder that is no scan output', async () => {
    const { io: sio } = io();
    await expect(serve({ outDir: out, host: '0.0.0.0', port: 0, allowRemote: false }, sio)).rejects.toThrow(
      /non-loopback/,
    );
    await expect(serve({ outDir: tmp, host: '127.0.0.1', port: 0, allowRemote: false }, sio)).rejects.toThrow(
      InvalidInputError,
    );
    await expect(
      serve({ outDir: path.join(tmp, 'nope'), host: '127.0.0.1', port: 0, allowRemote: false }, sio),
    ).rejects.toThrow(/is not a folder/);
  });
});
