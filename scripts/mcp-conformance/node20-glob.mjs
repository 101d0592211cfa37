/**
 * Preload (`node --import`) for the MCP conformance suite's CLI, which imports `globSync`
 * from `fs` (Node 22+). Where Node has no `fs.globSync` (Node 20), its `fs` imports resolve to
 * fs-with-glob.mjs, Node's own `fs` plus a `globSync` on tinyglobby; elsewhere it does nothing.
 */
import fs from 'node:fs';
import { register } from 'node:module';

if (typeof fs.globSync !== 'function') register('./fs-hooks.mjs', import.meta.url);
