/**
 * setupFiles of the fault suite: counts unhandled rejections in the test process itself (the
 * in-process server, readers and pools), and records the count per test file for the summary.
 */
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { record } from './helpers/harness.js';

let unhandled = 0;
let file = 'unknown';
const onUnhandled = (): void => {
  unhandled++;
};
process.on('unhandledRejection', onUnhandled);

// eslint-disable-next-line no-empty-pattern -- vitest passes the suite second, after the fixtures
beforeAll(({}, suite) => {
  const s = suite as unknown as { filepath?: string; file?: { filepath?: string } };
  file = path.basename(s.filepath ?? s.file?.filepath ?? 'unknown', '.test.ts');
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await record(file, {
    row: 'process',
    name: 'unhandled rejections in the test process',
    unhandledRejections: unhandled,
  });
});
