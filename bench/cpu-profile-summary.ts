/**
 * Summarises `node --cpu-prof` output: self time per function and per source file, for each
 * profile (main thread and every worker) in a folder. A profiling aid for BENCHMARKS.md, not a test.
 *
 *   npx tsx bench/cpu-profile-summary.ts DIR [--top 25]
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function summarise(file: string, top: number): void {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const fn = new Map<string, number>();
  const url = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    total += us;
    const u =
      n.callFrame.url.replace(/^file:\/\//, '').replace(/.*\/(dist|node_modules)\//, '$1/') || '(native)';
    const key = `${n.callFrame.functionName || '(anonymous)'} ${u}:${n.callFrame.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    url.set(u, (url.get(u) ?? 0) + us);
  }
  const wall = (p.endTime - p.startTime) / 1e6;
  process.stdout.write(
    `\n## ${path.basename(file)}: ${wall.toFixed(2)} s profiled, ${(total / 1e6).toFixed(2)} s sampled\n`,
  );
  const show = (title: string, m: Map<string, number>): void => {
    process.stdout.write(`\n${title}\n`);
    for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
      process.stdout.write(
        `${(us / 1e6).toFixed(3).padStart(8)} s ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}\n`,
      );
  };
  // Inclusive time: a node's self time plus its subtree's (recursion counted once per path).
  const incl = new Map<string, number>();
  const walk = (id: number, onPath: Set<string>): number => {
    const n = byId.get(id);
    if (!n) return 0;
    let sum = selfUs.get(id) ?? 0;
    const key = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/.*\/(dist|node_modules)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
    const fresh = !onPath.has(key);
    if (fresh) onPath.add(key);
    for (const c of n.children ?? []) sum += walk(c, onPath);
    if (fresh) {
      onPath.delete(key);
      incl.set(key, (incl.get(key) ?? 0) + sum);
    }
    return sum;
  };
  const root = p.nodes[0];
  if (root) walk(root.id, new Set());
  // Shares by what the time is for: each sample's innermost frame that falls in a category (native
  // and library frames count towards their nearest categorised caller), except that anything
  // called from the evidence writers counts as evidence.
  const category = (u: string, f: string): string | undefined => {
    if (/node:zlib|decode-tile/.test(u)) return 'decode (inflate, predictor)';
    if (
      /wasm:\/\/|src\/detect\/|dist\/detect\/(block-evidence|evidence-core|evidence-scratch|season-composite|look-status|pond-unmixing|pond-attributes|wasm-scratch)/.test(
        u,
      ) &&
      !/tile-detect|sites|evidence-plane/.test(u)
    )
      return 'detection kernels (workers)';
    if (/block-quicklook/.test(u)) return 'evidence pixels in the workers (quicklooks)';
    if (/dist\/(report|formats)\/|sharp|flatgeobuf|output\.mjs/.test(u) || /renderEvidence/.test(f))
      return 'evidence outputs (chips, overlays, COGs, copies)';
    if (/tile-detect|sites|evidence-plane|dist\/raster\/|dist\/geo\/|proj4|turf/.test(u))
      return 'main-thread tail (assemble, detect, products)';
    if (/node:internal\/modules|cjs-module-lexer|bootstrap/.test(u)) return 'start-up (module loading)';
    return undefined;
  };
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const shares = new Map<string, number>();
  for (const [id, us] of selfUs) {
    let cat: string | undefined;
    let name = '';
    let evidence = false;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at);
      if (!n) break;
      if (name === '') name = n.callFrame.functionName;
      cat ??= category(n.callFrame.url, n.callFrame.functionName);
      // zlib under the COG writer, or sharp under the chips, is evidence work, not decoding.
      if (/cog-writer|tile-quicklook|evidence-outputs|report\/png/.test(n.callFrame.url)) evidence = true;
    }
    if (evidence) cat = 'evidence outputs (chips, overlays, COGs, copies)';
    if (name === '(idle)') cat = 'idle';
    else if (name === '(garbage collector)') cat = 'garbage collection';
    shares.set(cat ?? 'other', (shares.get(cat ?? 'other') ?? 0) + us);
  }
  show('shares (self time, by purpose)', shares);
  show('by file (self time)', url);
  show('by function (self time)', fn);
  show('by function (inclusive time)', incl);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' } },
});
const dir = positionals[0];
if (!dir) throw new Error('usage: cpu-profile-summary.ts DIR [--top N]');
for (const f of readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .sort())
  summarise(path.join(dir, f), Number(values.top));
