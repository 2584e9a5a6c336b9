/**
 * The markdown report: machine, date, command lines, then the tables. Pure formatting of figures
 * gathered in this run; nothing here measures or decides.
 */
import type { DecodeFloor } from './decode-floor.js';
import type { Machine } from './prereqs.js';
import type { CaseSummary, RunRecord } from './results.js';

export interface SizeSection {
  size: number;
  world: string;
  pair: string;
  /** Case id -> the exact command line (one run's; only --out and server ports vary). */
  commands: [string, string][];
  servers: string[];
  summaries: CaseSummary[];
  skipped: string[];
  /** Present for the peer's gen_s2.py data: the decode floor of the files read (or why it failed). */
  peerData?: { floor: DecodeFloor | string };
}

export interface ReportInput {
  date: string;
  machine: Machine;
  code: string;
  /** Something that makes this run's figures suspect, printed at the top. */
  warning?: string;
  harness: string;
  installs: string[];
  runs: number;
  sizes: SizeSection[];
  scaling: SizeSection | null;
  scalingSkipped: string | null;
  records: RunRecord[];
  caseLabels: Map<string, string>;
  totalS: number;
}

const f = (v: number | null, digits = 2): string => (v === null ? '—' : v.toFixed(digits));
const range = (r: [number, number] | null): string =>
  r === null ? '—' : `${r[0].toFixed(2)}–${r[1].toFixed(2)}`;
const ratio = (a: number | null, b: number | null): string =>
  a === null || b === null || b === 0 ? '—' : `${(a / b).toFixed(2)}×`;

function mainTable(s: SizeSection): string[] {
  const byId = new Map(s.summaries.map((c) => [c.def.id, c]));
  const lines = [
    '| case | ok runs | wall s | wall min–max | CPU s | peak RSS MiB | peer/ours time | ours/peer memory | requests | MiB fetched |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const c of s.summaries) {
    const peer = c.def.peerId ? byId.get(c.def.peerId) : undefined;
    const isOurs = c.def.who === 'ours';
    lines.push(
      `| ${c.def.label} | ${c.ok}/${c.runs} | ${f(c.wallS)} | ${range(c.wallRange)} | ${f(c.cpuS)} | ${f(c.rssMiB, 0)} | ` +
        `${peer ? ratio(peer.wallS, c.wallS) : '—'} | ${peer ? ratio(c.rssMiB, peer.rssMiB) : '—'} | ` +
        `${isOurs ? f(c.requests, 0) : '—'} | ${isOurs ? f(c.mbFetched, 1) : '—'} |`,
    );
  }
  const added = (a: string, b: string): string => {
    const x = byId.get(`${s.size}/${a}`)?.wallS ?? null;
    const y = byId.get(`${s.size}/${b}`)?.wallS ?? null;
    return x === null || y === null ? '—' : `${(x - y).toFixed(2)} s`;
  };
  if (byId.has(`${s.size}/ours-api-50`))
    lines.push(
      '',
      `Added by +50 ms per request (median wall, 50 ms minus 0 ms): ours ${added('ours-api-50', 'ours-api-0')}, ` +
        `the peer ${added('peer-http-50', 'peer-http-0')}. A difference smaller than the min–max spread is noise.`,
    );
  return lines;
}

function phaseTable(title: string, rows: CaseSummary[], extra: (c: CaseSummary) => string): string[] {
  const names = [...new Set(rows.flatMap((c) => Object.keys(c.phases)))];
  if (names.length === 0) return [];
  return [
    title,
    '',
    `| case | ${names.join(' | ')} | wall s |`,
    `|---|${names.map(() => '---|').join('')}---|`,
    ...rows.map(
      (c) => `| ${c.def.label} | ${names.map((n) => f(c.phases[n] ?? null)).join(' | ')} | ${extra(c)} |`,
    ),
    '',
  ];
}

function outputsList(rows: CaseSummary[]): string[] {
  return rows.map(
    (c) =>
      `- ${c.def.label}: ${c.counts.length === 0 ? 'no successful run' : c.counts.join(' / ')}` +
      (c.counts.length > 1 ? ' (**differs between runs**)' : '') +
      (c.blocks.length > 0 ? `; blocks planned ${c.blocks.join(', ')}` : ''),
  );
}

/** The peer's data: ours against the peer as a ratio of wall times, and against the decode floor. */
function peerDataLines(s: SizeSection): string[] {
  const floor = s.peerData?.floor;
  if (floor === undefined) return [];
  const byId = new Map(s.summaries.map((c) => [c.def.id, c]));
  const peer = byId.get(`es-${s.size}/peer`)?.wallS ?? null;
  const lines = [
    '| case | wall s | ours / peer (wall) | ours / decode floor (wall) | evidence share of wall |',
    '|---|---|---|---|---|',
  ];
  for (const c of s.summaries.filter((x) => x.def.who === 'ours')) {
    const ev = c.phases['evidence'] ?? null;
    lines.push(
      `| ${c.def.label} | ${f(c.wallS)} | ${ratio(c.wallS, peer)} | ` +
        `${typeof floor === 'string' ? '—' : ratio(c.wallS, floor.seconds)} | ` +
        `${ev !== null && c.wallS ? `${((100 * ev) / c.wallS).toFixed(0)} % (${f(ev)} s)` : '—'} |`,
    );
  }
  lines.push(
    '',
    typeof floor === 'string'
      ? `Decode floor: not measured (${floor}).`
      : `Decode floor: ${floor.seconds.toFixed(2)} s to inflate every full-resolution tile the scan reads ` +
          `(${floor.files} files, ${floor.tiles} tiles, ${floor.compressed_mb.toFixed(0)} MB compressed, ` +
          `${floor.decoded_mb.toFixed(0)} MB decoded) with node:zlib on ${floor.threads} worker threads, ` +
          `${floor.mb_per_s_out} MB/s out; best of 2, measured once before the timed runs. ` +
          'The "evidence share" is run.json\'s `evidence` phase (chips, overlays, report.html, the copies) ' +
          "over the whole wall time; the workers' quicklooks and the tile COGs are in `blocks` " +
          '(`block_stages_summed.quicklook`).',
    '',
  );
  return lines;
}

function sizeSection(s: SizeSection, runs: number): string[] {
  const ours = s.summaries.filter((c) => c.def.who === 'ours');
  const peer = s.summaries.filter((c) => c.def.who === 'peer');
  return [
    s.peerData
      ? `## The peer's data, ${s.size}² pair (gen_s2.py)`
      : `## ${s.size}² before/after pair (our world)`,
    '',
    `${s.peerData ? 'Data' : 'World'} \`${s.world}\`; ${s.pair}. ${runs} run${runs === 1 ? '' : 's'} per case, alternating ours and the peer ` +
      '(order reversed on every other run); medians over the successful runs.',
    '',
    ...mainTable(s),
    '',
    ...peerDataLines(s),
    ...(s.skipped.length > 0 ? ['Skipped:', ...s.skipped.map((x) => `- ${x}`), ''] : []),
    ...phaseTable('### Where ours spends its time (run.json `timings_s`, medians, seconds)', ours, (c) =>
      f(c.wallS),
    ),
    ...phaseTable(
      "### The peer's own stages (its `stage_s`, medians, seconds)",
      peer,
      (c) => `${f(c.wallS)} (in-script ${f(c.inScriptS)})`,
    ),
    '### Outputs (the same every run unless marked)',
    '',
    ...outputsList(s.summaries),
    '',
    '### Commands',
    '',
    '```',
    ...s.servers,
    ...s.commands.map(([id, line]) => `# ${id}\n/usr/bin/time -v ${line}`),
    '```',
    '',
  ];
}

function scalingSection(s: SizeSection): string[] {
  const lines = [
    `## Scaling with the AOI (${s.size}² world, ours from local files)`,
    '',
    'AOIs of 1x1, 2x2, 3x3 and 4x4 internal 1024² tiles from the top-left corner of the grid, ' +
      '50 m inside the block edges. "blocks" is what run.json says the scan planned.',
    '',
    '| AOI | blocks planned (expected) | ok runs | wall s | CPU s | peak RSS MiB | blocks phase s | blocks phase s per block |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const c of s.summaries) {
    const expected = c.def.expectedBlocks;
    const planned = c.blocks.length > 0 ? c.blocks.join(', ') : '—';
    const mismatch = expected !== null && c.blocks.some((b) => b !== expected) ? ' **mismatch**' : '';
    const phase = c.phases.blocks ?? null;
    const perBlock = phase !== null && expected ? phase / expected : null;
    lines.push(
      `| ${c.def.label} | ${planned} (${expected ?? '?'})${mismatch} | ${c.ok}/${c.runs} | ${f(c.wallS)} | ` +
        `${f(c.cpuS)} | ${f(c.rssMiB, 0)} | ${f(phase)} | ${f(perBlock)} |`,
    );
  }
  lines.push('', '```', ...s.commands.map(([id, line]) => `# ${id}\n/usr/bin/time -v ${line}`), '```', '');
  return lines;
}

function failures(input: ReportInput): string[] {
  const bad = input.records.filter((r) => !r.timed.ok || r.note);
  if (bad.length === 0) return ['## Failures', '', 'None: every run exited 0 with figures.', ''];
  const lines = ['## Failures and notes', ''];
  for (const r of bad) {
    const label = input.caseLabels.get(r.caseId) ?? r.caseId;
    lines.push(
      `- ${label}, run ${r.run}: ${r.timed.failure ?? 'ok'}${r.note ? `; ${r.note}` : ''}` +
        (r.timed.ok || r.timed.stderrTail.trim() === ''
          ? ''
          : `\n  stderr tail: \`${r.timed.stderrTail.trim().split('\n').slice(-3).join(' | ')}\``),
    );
  }
  lines.push('');
  return lines;
}

function allRuns(input: ReportInput): string[] {
  return [
    '## Every run',
    '',
    '| case | run | wall s | CPU s | peak RSS MiB | result |',
    '|---|---|---|---|---|---|',
    ...input.records.map((r) => {
      const t = r.timed.figures;
      return (
        `| ${input.caseLabels.get(r.caseId) ?? r.caseId} | ${r.run} | ${f(t?.wallS ?? null)} | ` +
        `${f(t?.cpuS ?? null)} | ${f(t ? t.rssMiB : null, 0)} | ${r.timed.ok ? 'ok' : (r.timed.failure ?? 'failed')} |`
      );
    }),
    '',
  ];
}

export function renderReport(input: ReportInput): string {
  const m = input.machine;
  const lines = [
    '# minewatch benchmark: the scan vs the GDAL/numpy/scipy peer',
    '',
    `- Date: ${input.date}`,
    `- Machine: ${m.cores} × ${m.cpu}, ${m.memoryGiB.toFixed(1)} GiB RAM, ${m.os}; load average at start ${m.loadAvg}`,
    `- Software: Node ${m.node}, ${m.gdal}, minewatch ${input.code}`,
    `- Command: \`${input.harness}\` (total ${(input.totalS / 60).toFixed(1)} min)`,
    ...(input.installs.length > 0 ? [`- Installed: ${input.installs.join('; ')}`] : []),
    ...(input.warning ? ['', `**Warning:** ${input.warning}`] : []),
    '',
    'Every figure comes from this run: wall time, CPU time (user + system) and peak RSS of the whole ' +
      'process from `/usr/bin/time -v` (MiB = 2^20 bytes). Ratios: peer/ours for time (above 1 = ours ' +
      'faster), ours/peer for memory (below 1 = ours smaller); issue 4 asks for at least 1.5× and at most 0.5×. ' +
      'Server cases: the catalogue server is a separate process (one per latency) on 127.0.0.1 and is not timed; ' +
      'it shares the cores with the process under test.',
    '',
  ];
  for (const s of input.sizes) lines.push(...sizeSection(s, input.runs));
  if (input.scaling) lines.push(...scalingSection(input.scaling));
  else if (input.scalingSkipped)
    lines.push('## Scaling with the AOI', '', `Skipped: ${input.scalingSkipped}.`, '');
  lines.push(...failures(input), ...allRuns(input));
  return lines.join('\n');
}
