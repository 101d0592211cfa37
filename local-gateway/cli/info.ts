import { ensureHome, homePaths, readRuntime } from '../core/home.js';
import { resolveLocalToken } from '../keychain/token.js';
import { CommandError, parse, resolveHome, resolvePort } from './args.js';

/** `gatehouse token`: prints the local client token, for scripts and IDE settings. */
export async function token(argv: string[]): Promise<void> {
  const { values } = parse(argv, {});
  const paths = ensureHome(resolveHome(values.home));
  const t = await resolveLocalToken(paths);
  if (values.json) process.stdout.write(`${JSON.stringify({ token: t!.value, source: t!.source, file: t!.file })}\n`);
  else process.stdout.write(`${t!.value}\n`);
}

const IDENTITY_SOURCES: Record<string, string> = {
  pat: "the PAT's owner",
  cache: "the PAT's owner as last known (central gateway not reached)",
  os: 'the OS user (no PAT)',
};

/** `gatehouse status`: asks the running gateway how it is doing. */
export async function status(argv: string[]): Promise<void> {
  const { values } = parse(argv, { port: { type: 'string', short: 'p' } });
  const paths = homePaths(resolveHome(values.home));
  const runtime = readRuntime(paths);
  const port = values.port !== undefined || process.env.GATEHOUSE_PORT ? resolvePort(values.port) : (runtime?.port ?? 4141);
  const t = await resolveLocalToken(paths, process.env, false);
  if (!t) throw new CommandError(`No gateway has run with home ${paths.dir}: start one with \`gatehouse start\`.`);
  let res: Response;
  try {
    res = await fetch(`http://127.0.0.1:${port}/api/status`, { headers: { authorization: `Bearer ${t.value}` }, signal: AbortSignal.timeout(3000) });
  } catch {
    throw new CommandError(`Gatehouse is not running on 127.0.0.1:${port}: start it with \`gatehouse start\`.`);
  }
  if (!res.ok) throw new CommandError(`The gateway on port ${port} answered ${res.status}: it may belong to another home (--home) or token.`);
  const s = (await res.json()) as {
    version: string;
    pid: number;
    uptime_s: number;
    tier: { active: string; shadow: string[] };
    providers: { id: string; kind: string }[];
    identity?: { user: string; team: string | null; source: string };
    store: { traces: number; bytes: number };
    memory_rss_bytes: number;
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(s)}\n`);
    return;
  }
  process.stdout.write(
    [
      `Gatehouse ${s.version} running on http://127.0.0.1:${port} (pid ${s.pid}, up ${s.uptime_s}s)`,
      `  Tier       ${s.tier.active}${s.tier.shadow.length ? ` (shadow: ${s.tier.shadow.join(', ')})` : ''}`,
      `  Providers  ${s.providers.map((p) => `${p.id} (${p.kind})`).join(', ')}`,
      ...(s.identity ? [`  Identity   ${s.identity.user}${s.identity.team ? ` (team ${s.identity.team})` : ''}, ${IDENTITY_SOURCES[s.identity.source] ?? s.identity.source}`] : []),
      `  Traces     ${s.store.traces} (${(s.store.bytes / 1048576).toFixed(1)} MiB)`,
      `  Memory     ${(s.memory_rss_bytes / 1048576).toFixed(0)} MiB RSS`,
      '',
    ].join('\n'),
  );
}
