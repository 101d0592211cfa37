import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * A worker thread running the module `name` (without extension) beside `base`. Run from
 * TypeScript sources (tests, tsx), the worker registers the same loader first; from dist the
 * built .js runs as it is, so the product never needs the tsx devDependency.
 */
export function startWorker(base: string, name: string, workerData: unknown, resourceLimits?: ResourceLimits): Worker {
  const ts = base.endsWith('.ts');
  const url = new URL(`./${name}${ts ? '.ts' : '.js'}`, base);
  return ts ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`, { eval: true, workerData, resourceLimits }) : new Worker(url, { workerData, resourceLimits });
}
