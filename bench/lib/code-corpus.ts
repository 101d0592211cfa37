/**
 * Code-heavy text as IDE agents send it, deterministic per seed: TypeScript and Python
 * source, Node and Python stack traces, JSON log lines, package-lock excerpts, with the
 * identifiers detectors must not fire on (UUIDs, git SHAs, hashes, versions, timestamps,
 * ports and IPs of localhost). No secrets or personal data are planted: a scan of this text
 * is the common case, where every detector runs to the end and finds nothing.
 */

/** mulberry32: small, fast and the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;

const WORDS = ['buffer', 'config', 'handler', 'index', 'parse', 'render', 'retry', 'session', 'token', 'value', 'window', 'cursor', 'request', 'policy', 'stream', 'client'];
const PKGS = ['undici', 'fastify', 'zod', 'yaml', 'better-sqlite3', 'vitest', 'esbuild', 'typescript', 'pino', 'semver'];

const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const hex = (rand: Rand, n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
const uuid = (rand: Rand) => `${hex(rand, 8)}-${hex(rand, 4)}-4${hex(rand, 3)}-a${hex(rand, 3)}-${hex(rand, 12)}`;
const camel = (rand: Rand) => `${pick(rand, WORDS)}${pick(rand, WORDS).replace(/^./, (c) => c.toUpperCase())}`;
const version = (rand: Rand) => `${Math.floor(rand() * 9) + 1}.${Math.floor(rand() * 40)}.${Math.floor(rand() * 20)}`;
const stamp = (rand: Rand) => new Date(Date.UTC(2026, 10, 1) + Math.floor(rand() * 2e9)).toISOString();

function typescript(rand: Rand): string {
  const name = camel(rand);
  return [
    `import { ${camel(rand)}, type ${pick(rand, WORDS).toUpperCase()}_OPTIONS } from './${pick(rand, WORDS)}.js';`,
    '',
    `/** Retries ${pick(rand, WORDS)} until the ${pick(rand, WORDS)} settles; see #${Math.floor(rand() * 9000)}. */`,
    `export async function ${name}(input: ${pick(rand, ['string', 'Uint8Array', 'Request'])}, limit = ${Math.floor(rand() * 1000)}): Promise<number> {`,
    `  const ${pick(rand, WORDS)} = new Map<string, number>();`,
    `  for (let i = 0; i < limit; i++) {`,
    `    if (i % ${Math.floor(rand() * 16) + 2} === 0) await sleep(${Math.floor(rand() * 500)});`,
    `    const id = '${uuid(rand)}';`,
    `    logger.debug({ id, attempt: i, key: '${pick(rand, WORDS)}' }, 'retrying ${pick(rand, WORDS)}');`,
    `  }`,
    `  return input.length > ${Math.floor(rand() * 64)} ? ${Math.floor(rand() * 1e6)} : -1;`,
    '}',
    '',
  ].join('\n');
}

function python(rand: Rand): string {
  const fn = `${pick(rand, WORDS)}_${pick(rand, WORDS)}`;
  return [
    `def ${fn}(self, payload: dict[str, Any], *, timeout: float = ${(rand() * 30).toFixed(1)}) -> list[str]:`,
    `    """Return the ${pick(rand, WORDS)} keys, oldest first."""`,
    `    rows = self.db.execute("SELECT id, ${pick(rand, WORDS)} FROM ${pick(rand, WORDS)}s WHERE created_at > ?", (since,)).fetchall()`,
    `    digest = hashlib.sha256(payload["${pick(rand, WORDS)}"].encode()).hexdigest()  # e.g. ${hex(rand, 64)}`,
    `    return [r[0] for r in rows if r[1] != "${uuid(rand)}"]`,
    '',
  ].join('\n');
}

function nodeTrace(rand: Rand): string {
  const frames = Array.from({ length: 6 + Math.floor(rand() * 6) }, () => `    at ${camel(rand)} (/home/dev/src/app/node_modules/${pick(rand, PKGS)}/lib/${pick(rand, WORDS)}.js:${Math.floor(rand() * 900)}:${Math.floor(rand() * 80)})`);
  return [`TypeError: Cannot read properties of undefined (reading '${pick(rand, WORDS)}')`, ...frames, `    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)`, ''].join('\n');
}

function pythonTrace(rand: Rand): string {
  return [
    'Traceback (most recent call last):',
    `  File "/usr/lib/python3.12/site-packages/${pick(rand, WORDS)}/core.py", line ${Math.floor(rand() * 900)}, in ${pick(rand, WORDS)}`,
    `    return self._${pick(rand, WORDS)}(request, **kwargs)`,
    `KeyError: '${pick(rand, WORDS)}'`,
    '',
  ].join('\n');
}

function jsonLog(rand: Rand): string {
  const line = () =>
    JSON.stringify({ level: pick(rand, ['info', 'warn', 'error']), time: stamp(rand), pid: Math.floor(rand() * 60000), reqId: uuid(rand), url: `/v1/${pick(rand, WORDS)}s/${Math.floor(rand() * 1e5)}`, host: '127.0.0.1:4141', statusCode: pick(rand, [200, 201, 404, 429, 500]), responseTime: +(rand() * 300).toFixed(3) });
  return `${Array.from({ length: 8 }, line).join('\n')}\n`;
}

function lockfile(rand: Rand): string {
  const pkg = pick(rand, PKGS);
  const v = version(rand);
  return [
    `    "node_modules/${pkg}": {`,
    `      "version": "${v}",`,
    `      "resolved": "https://registry.npmjs.org/${pkg}/-/${pkg}-${v}.tgz",`,
    `      "integrity": "sha512-${Buffer.from(hex(rand, 64), 'hex').toString('base64')}${Buffer.from(hex(rand, 64), 'hex').toString('base64').slice(0, 22)}==",`,
    `      "license": "MIT",`,
    `      "engines": { "node": ">=${Math.floor(rand() * 8) + 14}" }`,
    '    },',
    `  commit ${hex(rand, 40)} (HEAD -> main, tag: v${version(rand)})`,
    '',
  ].join('\n');
}

const PARTS = [typescript, typescript, python, nodeTrace, pythonTrace, jsonLog, lockfile];

/** About `chars` characters of code-heavy text. */
export function codeText(seed: number, chars: number): string {
  const rand = prng(seed);
  const out: string[] = [];
  let size = 0;
  while (size < chars) {
    const part = pick(rand, PARTS)(rand);
    out.push(part);
    size += part.length;
  }
  return out.join('\n').slice(0, chars);
}

/** One agent turn: a question and pasted code or logs (user), or an answer with a patch (assistant). */
export function turnMessage(seed: number, role: 'user' | 'assistant', chars: number): string {
  const head = role === 'user' ? `This fails in CI, can you fix it? Output below.\n\n` : `The ${pick(prng(seed), WORDS)} is read before it is set. Here is a patch:\n\n`;
  return head + codeText(seed, chars - head.length);
}
