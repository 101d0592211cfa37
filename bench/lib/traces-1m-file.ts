import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS, type Migration } from '../../local-gateway/store/migrations.js';

/** Bump when bench/traces-1m.ts generates other data, so a cached file from before is not reused. */
export const GENERATOR = 1;

/**
 * Where bench/traces-1m.ts keeps its 1M-trace store: under the OS temp dir, named by a hash of
 * the schema's SQL and the generator, so a file built for another schema is never reused.
 */
export function traces1mFile(migrations: readonly Migration[] = MIGRATIONS): string {
  const schema = createHash('sha256').update(migrations.map((m) => m.sql).join('\n')).digest('hex').slice(0, 8);
  return join(tmpdir(), `gatehouse-bench-traces-1m-${schema}-g${GENERATOR}.db`);
}
