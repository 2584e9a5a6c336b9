/**
 * What travels through Redis for one tile: the job payload a worker receives, the outcome it
 * returns, and the deterministic job ids that make re-queued or duplicated work run once. Both
 * directions are parsed with zod: a job or a result read from Redis is input from outside.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { OffsetDecision } from '../../catalog/offset-decision.js';
import { DEFAULT_PARAMS, type DetectParams } from '../../detect/params.js';
import { decodeItem, encodeItem } from '../../state/item-codec.js';
import { JobRefusedError } from '../worker-policy.js';
import type { TilePlan } from '../planner.js';
import type { StageClock } from './types.js';
import { ALGORITHM_VERSION } from '../version.js';
import type { ScannedTile, SkippedItem } from './types.js';
import { InternalError } from '../../errors.js';

export const PAYLOAD_VERSION = 1;

/** Every detection parameter, as a number (the schema follows DetectParams' keys). */
const ParamsSchema = z.strictObject(
  Object.fromEntries(Object.keys(DEFAULT_PARAMS).map((k) => [k, z.number()])) as Record<
    keyof DetectParams,
    z.ZodNumber
  >,
);
const OffsetDnSchema = z.union([z.literal(0), z.literal(-1000)]);
const OffsetSchema = z.strictObject({
  offsetDn: OffsetDnSchema,
  declared: OffsetDnSchema,
  source: z.enum(['raster:bands', 'processing_baseline', 'date']),
  agreed: z.boolean(),
  pixels: z.enum(['no-offset', 'offset-or-bright', 'inconclusive', 'too-few-pixels']),
  reason: z.string().max(1000),
});
const Int = z.number().int();
/**
 * Bounds on what one job may hold (a job is input from Redis): far above any real tile (a 10980²
 * tile in 512² blocks is 484 blocks; a season has a few dozen acquisitions), far below a size
 * that could exhaust a worker.
 */
const MAX_ITEMS = 512;
const MAX_BLOCKS = 100_000;
const EncodedItem = z.string().max(256 * 1024);
const TileJobSchema = z.strictObject({
  v: z.literal(PAYLOAD_VERSION),
  stac: z
    .string()
    .max(4096)
    .refine((s) => URL.canParse(s), 'not a URL'),
  concurrency: Int.min(1).max(256),
  params: ParamsSchema,
  /** Keep the evidence outputs' pixels (absent: no, as before the field existed). */
  evidence: z.boolean().optional(),
  tile: z.strictObject({
    // Logged by the worker: printable ASCII only (MGRS-47RMJ:399960,2866760).
    tile: z.string().regex(/^[\x20-\x7e]{1,64}$/, 'expected 1-64 printable ASCII characters'),
    grid: z.strictObject({
      epsg: Int,
      originX: z.number(),
      originY: z.number(),
      width: Int.positive(),
      height: Int.positive(),
    }),
    before: z.array(EncodedItem).min(1).max(MAX_ITEMS),
    after: z.array(EncodedItem).min(1).max(MAX_ITEMS),
    blocks: z
      .array(
        z.strictObject({
          tile: z.string().max(64),
          x: Int.min(0),
          y: Int.min(0),
          width: Int.positive(),
          height: Int.positive(),
        }),
      )
      .max(MAX_BLOCKS),
  }),
  offsets: z.record(z.string().max(256), OffsetSchema),
});
export type TileJobData = z.infer<typeof TileJobSchema>;

/** A tile job, decoded for processTile. */
export interface TileJob {
  stac: URL;
  concurrency: number;
  params: DetectParams;
  evidence: boolean;
  tile: TilePlan;
  offsets: Map<string, OffsetDecision>;
}

export function encodeTileJob(
  tp: TilePlan,
  offsets: ReadonlyMap<string, OffsetDecision>,
  params: DetectParams,
  stac: URL,
  concurrency: number,
  evidence = false,
): TileJobData {
  const items = [...tp.before, ...tp.after];
  return {
    v: PAYLOAD_VERSION,
    stac: stac.href,
    concurrency,
    params,
    ...(evidence ? { evidence: true } : {}),
    tile: {
      tile: tp.tile,
      grid: tp.grid,
      before: tp.before.map(encodeItem),
      after: tp.after.map(encodeItem),
      blocks: tp.blocks,
    },
    offsets: Object.fromEntries(items.map((i) => [i.id, offsetOf(offsets, i.id)])),
  };
}

function offsetOf(offsets: ReadonlyMap<string, OffsetDecision>, id: string): OffsetDecision {
  const o = offsets.get(id);
  if (!o) throw new InternalError(`item ${id} has no BOA offset decision: it cannot be planned`);
  return o;
}

/**
 * A schema failure as one log line: the first few issues with their paths. zod's messages name
 * what was expected, never the value received, so nothing a job carries is echoed at length.
 */
export function oneLineIssues(error: z.ZodError, max = 3): string {
  const issues = error.issues.slice(0, max).map((i) => {
    const at = i.path.map(String).join('.').slice(0, 80);
    return `${at || '(root)'}: ${i.message.replace(/\s+/g, ' ').slice(0, 160)}`;
  });
  const more = error.issues.length > max ? ` (and ${error.issues.length - max} more)` : '';
  return `${issues.join('; ')}${more}`;
}

/** Parses a job's data from Redis; throws an error naming the job when it is malformed. */
export function decodeTileJob(data: unknown, jobId: string): TileJob {
  const parsed = TileJobSchema.safeParse(data);
  if (!parsed.success)
    throw new JobRefusedError(`tile job ${jobId}: malformed payload: ${oneLineIssues(parsed.error)}`);
  const d = parsed.data;
  const items = (list: string[], window: string): TilePlan['before'] =>
    list.map((text, k) => {
      try {
        return decodeItem(text);
      } catch (err) {
        const why = err instanceof z.ZodError ? oneLineIssues(err) : 'not an encoded item';
        throw new JobRefusedError(`tile job ${jobId}: malformed payload: tile.${window}[${k}]: ${why}`, {
          cause: err,
        });
      }
    });
  const tile: TilePlan = {
    tile: d.tile.tile,
    grid: d.tile.grid,
    before: items(d.tile.before, 'before'),
    after: items(d.tile.after, 'after'),
    blocks: d.tile.blocks,
  };
  const offsets = new Map<string, OffsetDecision>();
  for (const item of [...tile.before, ...tile.after]) {
    const o = d.offsets[item.id];
    if (!o) throw new JobRefusedError(`tile job ${jobId}: no BOA offset for item ${item.id}`);
    offsets.set(item.id, o);
  }
  return {
    stac: new URL(d.stac),
    concurrency: d.concurrency,
    params: d.params,
    evidence: d.evidence === true,
    tile,
    offsets,
  };
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * The same work gets the same id: the tile and its grid, the items (with `updated`, which changes
 * when the provider reprocesses one), their offsets, the parameters, the blocks (the AOI decides
 * which are planned) and the algorithm version. BullMQ adds a job whose id exists at most once.
 */
export function tileJobId(
  tp: TilePlan,
  offsets: ReadonlyMap<string, OffsetDecision>,
  params: DetectParams,
  evidence = false,
): string {
  const item = (i: TilePlan['before'][number]): [string, string, number] => [
    i.id,
    i.updated ?? '',
    offsetOf(offsets, i.id).offsetDn,
  ];
  const canonicalParams = Object.entries(params).sort(([a], [b]) => a.localeCompare(b));
  return `tile-${sha256(
    JSON.stringify({
      algorithm: ALGORITHM_VERSION,
      tile: tp.tile,
      grid: tp.grid,
      before: tp.before.map(item),
      after: tp.after.map(item),
      params: canonicalParams,
      blocks: tp.blocks.map((b) => [b.x, b.y, b.width, b.height]),
      // A job that keeps the evidence pixels returns more: it is another job (absent: the old ids).
      ...(evidence ? { evidence: true } : {}),
    }),
  )}`;
}

/** A scan is its tiles: the parent's id is a hash of its children's ids, in plan order. */
export function scanJobId(childIds: readonly string[]): string {
  return `scan-${sha256(childIds.join('\n'))}`;
}

/** What a worker returns for one tile. */
export interface TileJobOutcome {
  context: ScannedTile | undefined;
  skipped: SkippedItem[];
  clock: StageClock;
}

/**
 * JSON loses NaN, Infinity and -0 (they become null and 0) and typed arrays (they become objects):
 * tag them, so a tile's detections come back bit for bit and the products stay byte-identical.
 */
function replacer(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)))
    return { $num: Object.is(v, -0) ? '-0' : String(v) };
  if (ArrayBuffer.isView(v) && !(v instanceof DataView))
    return { $typed: v.constructor.name, values: Array.from(v as unknown as ArrayLike<number>) };
  return v;
}

const TYPED: Record<string, (values: number[]) => unknown> = {
  Float32Array: (v) => Float32Array.from(v),
  Float64Array: (v) => Float64Array.from(v),
  Int32Array: (v) => Int32Array.from(v),
  Uint32Array: (v) => Uint32Array.from(v),
  Int16Array: (v) => Int16Array.from(v),
  Uint16Array: (v) => Uint16Array.from(v),
  Int8Array: (v) => Int8Array.from(v),
  Uint8Array: (v) => Uint8Array.from(v),
  Uint8ClampedArray: (v) => Uint8ClampedArray.from(v),
};

function reviver(_key: string, v: unknown): unknown {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (typeof o.$num === 'string' && Object.keys(o).length === 1) return Number(o.$num);
    if (typeof o.$typed === 'string' && Array.isArray(o.values)) {
      const make = TYPED[o.$typed];
      const values: unknown[] = o.values;
      if (make) {
        if (!values.every((x): x is number => typeof x === 'number'))
          throw new InternalError(`encoded ${o.$typed} holds a value that is not a number`);
        return make(values);
      }
    }
  }
  return v;
}

export function encodeOutcome(outcome: TileJobOutcome): string {
  return JSON.stringify(outcome, replacer);
}

const OutcomeSchema = z.strictObject({
  context: z
    .looseObject({
      tile: z.string(),
      grid: z.strictObject({ epsg: Int, originX: z.number(), originY: z.number(), pixelSize: z.number() }),
      detections: z.strictObject({
        clearings: z.array(z.looseObject({})),
        ponds: z.array(z.looseObject({})),
      }),
      beforeItems: z.array(z.string()),
      afterItems: z.array(z.strictObject({ id: z.string(), datetime: z.string() })),
    })
    .optional(),
  skipped: z.array(z.strictObject({ item: z.string(), reason: z.string() })),
  clock: z.strictObject({
    read: z.number(),
    compute: z.number(),
    assemble: z.number(),
    detect: z.number(),
    quicklook: z.number().optional(),
  }),
});

/** Parses a worker's result from Redis (the detections' inner shape is the worker's own code's). */
export function decodeOutcome(text: unknown, jobId: string): TileJobOutcome {
  if (typeof text !== 'string')
    throw new InternalError(`tile job ${jobId}: result is not an encoded outcome`);
  const value: unknown = JSON.parse(text, reviver);
  const parsed = OutcomeSchema.safeParse(value);
  if (!parsed.success)
    throw new InternalError(`tile job ${jobId}: malformed result: ${z.prettifyError(parsed.error)}`);
  // The checked value itself, not zod's copy: key order inside detections stays as the worker built it.
  return value as TileJobOutcome;
}
