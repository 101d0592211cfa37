import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigSchema } from '../../local-gateway/config/schema.js';
import { buildGateway } from '../../local-gateway/server/app.js';

export interface Route {
  method: string;
  path: string;
}

/**
 * Every route the gateway serves, read from the app itself (built on the defaults, never
 * listening): a route added or renamed shows in the reference, and the reference test fails
 * until it has a description.
 */
export async function gatewayRoutes(): Promise<Route[]> {
  const home = mkdtempSync(join(tmpdir(), 'gatehouse-reference-'));
  const app = await buildGateway({ config: ConfigSchema.parse({}), configFile: null, home, token: { value: 'reference', source: 'env', file: null }, env: { GATEHOUSE_KEYCHAIN: 'off' }, logging: false });
  try {
    await app.ready();
    return parseRouteTree(app.printRoutes({ commonPrefix: false }));
  } finally {
    await app.close();
    rmSync(home, { recursive: true, force: true });
  }
}

/** Fastify's `printRoutes` tree (`├── /api/policy (GET, HEAD)`, children indented by 4) as flat routes. */
export function parseRouteTree(tree: string): Route[] {
  const stack: string[] = [];
  const routes: Route[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+)(?: \(([^)]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    const path = stack.join('').replace(/\/\/+/g, '/');
    // HEAD comes with every GET; it is not a route of its own to document.
    for (const method of (m[3] ?? '').split(', ').filter((x) => x && x !== 'HEAD')) routes.push({ method, path });
  }
  return routes;
}
