/**
 * A small CQL2-JSON evaluator for the STAC Filter extension (`filter`, `filter-lang=cql2-json`).
 *
 * Supported: and, or, not; =, <>, <, <=, >, >= (and stac-server's aliases eq, neq, lt, lte, gt, gte);
 * in, between, like, isNull; s_intersects; t_intersects / anyinteracts. Operands: `{property}`,
 * numbers, strings, booleans, `{timestamp}`, `{date}`, `{interval}`, GeoJSON geometries and `{bbox}`.
 * Anything else is rejected with a 400 when the filter is compiled, before any item is looked at.
 */
import { bboxPolygon, booleanIntersects } from '../geo/turf.js';
import type { Geometry } from 'geojson';
import { parseDataTime, parseRfc3339, rangesOverlap, type TimeRange } from './datetime.js';
import { BadRequestError } from './errors.js';
import { isTimeField, readField, type BBox, type StacItem } from './stac-types.js';
import { isGeometry, itemTimeRange } from './item-facts.js';

export type ItemPredicate = (item: StacItem) => boolean;

type Scalar = string | number | boolean | null;
/** A time instant, tagged so comparisons know to parse the other side as time too. */
interface Instant {
  kind: 'instant';
  t: number;
}
type Value = Scalar | Instant | Geometry | Value[] | undefined;
type Operand = (item: StacItem) => Value;

const COMPARISONS: Record<string, string> = {
  '=': '=',
  eq: '=',
  '<>': '<>',
  neq: '<>',
  ne: '<>',
  '<': '<',
  lt: '<',
  '<=': '<=',
  lte: '<=',
  le: '<=',
  '>': '>',
  gt: '>',
  '>=': '>=',
  gte: '>=',
  ge: '>=',
};

function fail(message: string): never {
  throw new BadRequestError(`Invalid CQL2-JSON filter: ${message}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function argsOf(node: Record<string, unknown>, count?: number): unknown[] {
  const args = node['args'];
  if (!Array.isArray(args)) fail(`operator "${String(node['op'])}" needs an "args" array`);
  if (count !== undefined && args.length !== count) {
    fail(`operator "${String(node['op'])}" takes ${count} arguments, got ${args.length}`);
  }
  return args;
}

function toInstant(text: unknown): Instant {
  const t = typeof text === 'string' ? (parseRfc3339(text) ?? parseDataTime(`${text}T00:00:00Z`)) : undefined;
  if (t === undefined) fail(`bad timestamp ${JSON.stringify(text)}`);
  return { kind: 'instant', t };
}

function compileOperand(node: unknown): Operand {
  if (node === null || typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean') {
    return () => node;
  }
  if (Array.isArray(node)) {
    const parts = node.map(compileOperand);
    return (item) => parts.map((p) => p(item));
  }
  if (!isRecord(node)) fail('unsupported operand');
  if (typeof node['property'] === 'string') {
    const field = node['property'];
    if (isTimeField(field)) {
      return (item) => {
        const t = parseDataTime(readField(item, field));
        return t === undefined ? undefined : { kind: 'instant', t };
      };
    }
    return (item) => readField(item, field) as Value;
  }
  if ('timestamp' in node) {
    const v = toInstant(node['timestamp']);
    return () => v;
  }
  if ('date' in node) {
    const v = toInstant(node['date']);
    return () => v;
  }
  if (Array.isArray(node['bbox'])) {
    const box = node['bbox'] as unknown[];
    if (box.length !== 4 || !box.every((n) => typeof n === 'number' && Number.isFinite(n))) {
      fail('a bbox literal needs 4 numbers');
    }
    const poly = bboxPolygon(box as BBox).geometry;
    return () => poly;
  }
  if (isGeometry(node)) {
    return () => node;
  }
  if ('op' in node) fail(`operator "${String(node['op'])}" cannot be used as a value`);
  fail(`unsupported operand ${JSON.stringify(node)}`);
}

function asComparable(
  a: Value,
  b: Value,
): [number | string | boolean, number | string | boolean] | undefined {
  const unwrap = (v: Value, other: Value): number | string | boolean | undefined => {
    if (isRecord(v) && (v as Instant).kind === 'instant') return (v as Instant).t;
    if (typeof v === 'string' && isRecord(other) && (other as Instant).kind === 'instant') {
      return parseDataTime(v);
    }
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
    return undefined;
  };
  const x = unwrap(a, b);
  const y = unwrap(b, a);
  if (x === undefined || y === undefined || typeof x !== typeof y) return undefined;
  return [x, y];
}

/** Compares two values the way a search engine would: mismatched or missing types never match. */
export function compareValues(op: string, a: Value, b: Value): boolean {
  const pair = asComparable(a, b);
  if (!pair) return op === '<>' && a !== undefined && a !== null && b !== undefined;
  const [x, y] = pair;
  switch (op) {
    case '=':
      return x === y;
    case '<>':
      return x !== y;
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
    default:
      return false;
  }
}

function likeToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) {
      out += (pattern[++i] as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (c === '%') out += '.*';
    else if (c === '_') out += '.';
    else out += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 's');
}

function timeRangeOperand(node: unknown): (item: StacItem) => TimeRange | undefined {
  if (isRecord(node) && typeof node['property'] === 'string') {
    const field = node['property'];
    if (field === 'datetime' || field === 'properties.datetime') return (item) => itemTimeRange(item);
    return (item) => {
      const t = parseDataTime(readField(item, field));
      return t === undefined ? undefined : { start: t, end: t };
    };
  }
  if (isRecord(node) && Array.isArray(node['interval'])) {
    const [a, b] = node['interval'] as unknown[];
    const end = (v: unknown): number | null => (v === '..' ? null : toInstant(v).t);
    const range = { start: end(a), end: end(b) };
    return () => range;
  }
  if (isRecord(node) && ('timestamp' in node || 'date' in node)) {
    const t = toInstant(node['timestamp'] ?? node['date']).t;
    return () => ({ start: t, end: t });
  }
  fail('t_intersects needs a datetime property and a timestamp, date or interval');
}

/** Compiles a CQL2-JSON expression into a predicate, or throws a 400 naming what is unsupported. */
export function compileCql2(node: unknown): ItemPredicate {
  if (typeof node === 'boolean') return () => node;
  if (!isRecord(node) || typeof node['op'] !== 'string') fail('expected an object with an "op" member');
  const op = node['op'].toLowerCase();
  if (op === 'and' || op === 'or') {
    const parts = argsOf(node).map(compileCql2);
    if (parts.length === 0) fail(`"${op}" needs at least one argument`);
    return op === 'and' ? (item) => parts.every((p) => p(item)) : (item) => parts.some((p) => p(item));
  }
  if (op === 'not') {
    const [inner] = argsOf(node, 1).map(compileCql2) as [ItemPredicate];
    return (item) => !inner(item);
  }
  const cmp = COMPARISONS[op];
  if (cmp) {
    const [a, b] = argsOf(node, 2).map(compileOperand) as [Operand, Operand];
    return (item) => compareValues(cmp, a(item), b(item));
  }
  if (op === 'in') {
    const [target, list] = argsOf(node, 2);
    if (!Array.isArray(list)) fail('"in" needs a list as its second argument');
    const value = compileOperand(target);
    const options = list.map(compileOperand);
    return (item) => {
      const v = value(item);
      return options.some((o) => compareValues('=', v, o(item)));
    };
  }
  if (op === 'between') {
    const [v, lo, hi] = argsOf(node, 3).map(compileOperand) as [Operand, Operand, Operand];
    return (item) => compareValues('>=', v(item), lo(item)) && compareValues('<=', v(item), hi(item));
  }
  if (op === 'like') {
    const [target, pattern] = argsOf(node, 2);
    if (typeof pattern !== 'string') fail('"like" needs a string pattern');
    const value = compileOperand(target);
    const re = likeToRegExp(pattern);
    return (item) => {
      const v = value(item);
      return typeof v === 'string' && re.test(v);
    };
  }
  if (op === 'isnull') {
    const [value] = argsOf(node, 1).map(compileOperand) as [Operand];
    return (item) => {
      const v = value(item);
      return v === undefined || v === null;
    };
  }
  if (op === 's_intersects') {
    const [a, b] = argsOf(node, 2).map(compileOperand) as [Operand, Operand];
    return (item) => {
      const ga = a(item);
      const gb = b(item);
      return isGeometry(ga) && isGeometry(gb) && booleanIntersects(ga, gb);
    };
  }
  if (op === 't_intersects' || op === 'anyinteracts') {
    const [a, b] = argsOf(node, 2).map(timeRangeOperand) as [
      (item: StacItem) => TimeRange | undefined,
      (item: StacItem) => TimeRange | undefined,
    ];
    return (item) => {
      const ra = a(item);
      const rb = b(item);
      return ra !== undefined && rb !== undefined && rangesOverlap(ra, rb);
    };
  }
  fail(`unsupported operator "${node['op']}"`);
}
