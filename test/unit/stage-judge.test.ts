import { describe, expect, inject, it } from 'vitest';
import { IncompleteScanError } from '../../src/errors.js';
import type { ScannedTile } from '../../src/run/runners/types.js';
import { judgeCompleteness } from '../../src/run/stages/judge.js';
import { startStages } from '../helpers/scan-stages.js';

const world = inject('smallWorld');

/** A tile context that names the items it used (detections play no part in the judgement). */
function usedBy(before: string[], after: string[]): ScannedTile {
  return {
    beforeItems: before,
    afterItems: after.map((id) => ({ id, datetime: '2024-01-01T00:00:00Z' })),
  } as Partial<ScannedTile> as ScannedTile;
}

describe('scan stage: judge completeness', () => {
  it('passes a scan that used every item, silently', async () => {
    const { found } = await startStages(world);
    const lines: string[] = [];
    const c = judgeCompleteness(
      { out: 'out/x' },
      {
        found,
        contexts: [
          usedBy(
            found.before.map((i) => i.id),
            found.after.map((i) => i.id),
          ),
        ],
        skipped: [],
      },
      (l) => lines.push(l),
    );
    expect(c).toMatchObject({ complete: true, used: c.items, lost: 0 });
    expect(lines).toEqual([]);
  });

  it('passes a scan that lost a few items, and says so on the warning line', async () => {
    const { found } = await startStages(world);
    const lost = found.after[0]!.id;
    const lines: string[] = [];
    const c = judgeCompleteness(
      { out: 'out/x' },
      {
        found,
        contexts: [
          usedBy(
            found.before.map((i) => i.id),
            found.after.slice(1).map((i) => i.id),
          ),
        ],
        skipped: [{ item: lost, reason: `cannot read its COGs: asset "red": HTTP 404` }],
      },
      (l) => lines.push(l),
    );
    expect(c.complete).toBe(true);
    expect(lines).toEqual([`scan: ${c.items - 1} of ${c.items} items used; skipped: 1 HTTP 404`]);
  });

  it('refuses a scan that read nothing of a window, naming the output folder; --allow-partial lets it through', async () => {
    const { found } = await startStages(world);
    const read = {
      found,
      contexts: [
        usedBy(
          found.before.map((i) => i.id),
          [],
        ),
      ],
      skipped: found.after.map((i) => ({ item: i.id, reason: 'cannot read its COGs: HTTP 403' })),
    };
    const lines: string[] = [];
    expect(() => judgeCompleteness({ out: '/tmp/refused' }, read, (l) => lines.push(l))).toThrow(
      new IncompleteScanError(
        `scan incomplete: no usable pixels for the after window; skipped: ${found.after.length} HTTP 403; nothing written to /tmp/refused (--allow-partial publishes it anyway)`,
      ),
    );
    expect(lines).toEqual([]);
    const c = judgeCompleteness({ out: '/tmp/refused', allowPartial: true }, read, (l) => lines.push(l));
    expect(c.complete).toBe(false);
    expect(lines[0]).toMatch(/\(INCOMPLETE: no usable pixels for the after window\)$/);
  });
});
