import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL server the fleet tests run against, from GATEHOUSE_TEST_POSTGRES_URL
 * (scripts/test-services.sh and .ci/run set it, with GATEHOUSE_TEST_POSTGRES=required, which
 * turns a missing server into a failure). A plain `npm test` without it skips those tests,
 * saying once how to run them.
 */
export function testPostgresUrl(file: string): string | null {
  const url = process.env.GATEHOUSE_TEST_POSTGRES_URL?.trim();
  if (url) return url;
  const reason = 'GATEHOUSE_TEST_POSTGRES_URL is not set; run them with scripts/test-services.sh npx vitest run ' + file;
  if (process.env.GATEHOUSE_TEST_POSTGRES === 'required') throw new Error(`${file}: ${reason}`);
  console.warn(`${file}: PostgreSQL tests skipped: ${reason}`);
  return null;
}

/** The storage backends a parametrised central test runs on: SQLite always, PostgreSQL where one is given. */
export function centralBackends(file: string): { name: 'sqlite' | 'postgres'; url: string }[] {
  const url = testPostgresUrl(file);
  return [{ name: 'sqlite', url: 'sqlite' }, ...(url ? [{ name: 'postgres' as const, url }] : [])];
}

/** A pool to the server the test URL names (its env: password resolved), for setup and inspection. */
export function adminPool(url: string, database?: string): pg.Pool {
  const u = new URL(url);
  const ref = decodeURIComponent(u.password);
  const password = ref.startsWith('env:') ? process.env[ref.slice(4)] : ref || undefined;
  return new pg.Pool({ host: u.hostname, port: Number(u.port), user: decodeURIComponent(u.username), password, database: database ?? u.pathname.slice(1), max: 2 });
}

/** A fresh, empty database on the test server, so each central starts as on a new install; `drop` removes it. */
export async function freshDatabase(url: string): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `gh_test_${randomBytes(6).toString('hex')}`;
  const admin = adminPool(url);
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    async drop() {
      const a = adminPool(url);
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}

/**
 * The Redis server the shared-limit tests run against, from GATEHOUSE_TEST_REDIS_URL (set by
 * scripts/test-services.sh and .ci/run with GATEHOUSE_TEST_REDIS=required, which turns a
 * missing server into a failure). Without it those tests skip, saying once how to run them.
 */
export function testRedisUrl(file: string): string | null {
  const url = process.env.GATEHOUSE_TEST_REDIS_URL?.trim();
  if (url) return url;
  const reason = 'GATEHOUSE_TEST_REDIS_URL is not set; run them with scripts/test-services.sh npx vitest run ' + file;
  if (process.env.GATEHOUSE_TEST_REDIS === 'required') throw new Error(`${file}: ${reason}`);
  console.warn(`${file}: Redis tests skipped: ${reason}`);
  return null;
}
