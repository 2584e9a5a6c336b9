/**
 * The HTTP client's minimum transfer speed from the environment, named as GDAL names its own
 * (GDAL_HTTP_LOW_SPEED_LIMIT / GDAL_HTTP_LOW_SPEED_TIME, after curl's --speed-limit/--speed-time):
 * MW_HTTP_LOW_SPEED_LIMIT bytes per second (0 turns the check off) over MW_HTTP_LOW_SPEED_TIME
 * seconds. Unset: the client's defaults, 1024 B/s over 15 s. A malformed value is an input error.
 */
import { InvalidInputError } from '../errors.js';
import type { HttpClientOptions } from '../io/http.js';

type Env = Readonly<Record<string, string | undefined>>;

function number(env: Env, name: string, min: number): number | undefined {
  const v = env[name];
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v.trim()) || n < min) {
    throw new InvalidInputError(`${name}=${JSON.stringify(v)} is not a number of at least ${min}`);
  }
  return n;
}

export function lowSpeedFromEnv(
  env: Env = process.env,
): Pick<HttpClientOptions, 'lowSpeedBytesPerSec' | 'lowSpeedTimeMs'> {
  const limit = number(env, 'MW_HTTP_LOW_SPEED_LIMIT', 0);
  const time = number(env, 'MW_HTTP_LOW_SPEED_TIME', 0.1);
  return {
    ...(limit === undefined ? {} : { lowSpeedBytesPerSec: limit }),
    ...(time === undefined ? {} : { lowSpeedTimeMs: Math.round(time * 1000) }),
  };
}
