import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { closeDatabase, openDatabase, type MigrationProgress } from '../../store/db.js';
import { Retention } from '../../store/retention.js';
import { TraceStore } from '../../store/traces.js';
import { TraceWriter } from '../../store/writer.js';

/** The trace store: SQLite, and the journal writer in front of it. */
export interface StoreServices {
  /** Readers `await writer.flush()` first, so they see every trace written so far. */
  traces: TraceStore;
  writer: TraceWriter;
  /** Retention's statements on this thread's connection: used only when the importer thread is gone. */
  retention: Retention;
}

declare module 'fastify' {
  interface FastifyInstance {
    store: StoreServices;
  }
}

/**
 * Opens the database and stores what a previous run journaled but did not index. Closing the
 * app stores what is still journaled and closes the database: this plugin closes after every
 * service that writes to it (Fastify runs `onClose` hooks in reverse order of registration).
 */
async function store(app: FastifyInstance): Promise<void> {
  const { paths, log } = app.runtime;
  const db = openDatabase(paths.db, { onProgress: progressLog((msg, fields) => log.info(msg, fields)) });
  const traces = new TraceStore(db);
  const writer = new TraceWriter(traces, paths.journal, paths.db, (err, trace) =>
    log.error('could not store a trace', { trace: trace ?? undefined, err: (err as Error).message }),
  );
  const recovered = writer.recover();
  if (recovered > 0) log.warn('stored traces a previous run had journaled but not yet indexed', { recovered });
  app.decorate('store', { traces, writer, retention: new Retention(db) } satisfies StoreServices);
  app.addHook('onClose', async () => {
    await writer.close();
    closeDatabase(db);
  });
}

/**
 * A migration's backfill in the log every tenth of each step: building the search index of a
 * large store takes minutes (bench/README.md), and a start that says nothing looks hung.
 */
export function progressLog(info: (msg: string, fields: Record<string, unknown>) => void): (p: MigrationProgress) => void {
  let last = '';
  return (p) => {
    const tenth = Math.floor((10 * p.done) / p.total);
    const key = `${p.version}:${p.step}:${tenth}`;
    if (key === last) return;
    last = key;
    info(`upgrading the store: ${p.step}, ${tenth * 10}%`, { migration: p.version, done: p.done, total: p.total });
  };
}

export const storePlugin = fp(store, { name: 'gatehouse-store', dependencies: ['gatehouse-runtime'] });
