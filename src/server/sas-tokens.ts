/**
 * The local imitation of Planetary Computer's SAS token service: tokens shaped like the recorded
 * reply (sas-token-sentinel2l2a01-sentinel2-l2.json: `{"msft:expiry", "token": "st=..&se=..&sp=rl&..&sig=.."}`),
 * each valid until its `se`, and optionally only for a number of uses, so that a test can expire a
 * token mid-run without waiting for a clock.
 */
import { randomBytes } from 'node:crypto';

interface Issued {
  expiresAt: number;
  uses: number;
}

export class SasTokens {
  /** Every token handed out, in order (tests grep outputs for them). */
  readonly issued: string[] = [];
  refusals = 0;
  private readonly bySig = new Map<string, Issued>();

  constructor(
    private readonly lifetimeMs: number,
    private readonly maxUses: number | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  issue(): { 'msft:expiry': string; token: string } {
    const t = this.now();
    const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const expiresAt = t + this.lifetimeMs;
    const sig = randomBytes(24).toString('base64');
    this.bySig.set(sig, { expiresAt, uses: 0 });
    const token =
      `st=${encodeURIComponent(iso(t - 86_400_000))}&se=${encodeURIComponent(iso(expiresAt))}` +
      `&sp=rl&sv=2021-06-08&sr=c&sig=${encodeURIComponent(sig)}`;
    this.issued.push(token);
    return { 'msft:expiry': iso(expiresAt), token };
  }

  /** Whether a blob request's query carries a valid, unexpired token (and counts its use). */
  admits(query: URLSearchParams): boolean {
    const entry = this.bySig.get(query.get('sig') ?? '');
    const ok =
      entry !== undefined &&
      this.now() < entry.expiresAt &&
      (this.maxUses === undefined || entry.uses < this.maxUses);
    if (ok) entry.uses++;
    else this.refusals++;
    return ok;
  }
}
