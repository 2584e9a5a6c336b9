/** The published reference figures (config/references.json), validated at the edge. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { InternalError } from '../errors.js';

const Figure = z.object({ value: z.number(), qualifier: z.string() });
export const ReferenceSchema = z.object({
  id: z.string(),
  publisher: z.string(),
  date: z.string(),
  claim: z.string(),
  figures: z.record(z.string(), Figure),
  townships: z.array(z.string()),
  places: z.array(z.string()).optional(),
  period: z.object({ start: z.string(), end: z.string() }),
  source: z.string(),
  /** Where to read it (the publisher's page, or coverage of it when named by `url_title`). */
  url: z.url({ protocol: /^https?$/ }).optional(),
  url_title: z.string().optional(),
  second_hand: z.boolean(),
});
export type Reference = z.infer<typeof ReferenceSchema>;
const FileSchema = z.object({ note: z.string(), references: z.array(ReferenceSchema) });

export const REFERENCES_FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../config/references.json',
);

export function loadReferences(file = REFERENCES_FILE): Reference[] {
  const parsed = FileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success)
    throw new InternalError(
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data.references;
}
