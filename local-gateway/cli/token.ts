import { ensureHome } from '../core/home.js';
import { resolveLocalToken } from '../keychain/token.js';
import { parse, resolveHome } from './args.js';

// Apart from `info.ts`, which `status` needs with the admin API's schemas: printing the token
// is the command scripts run most, and it needs neither zod nor the policy modules.

/** `gatehouse token`: prints the local client token, for scripts and IDE settings. */
export async function token(argv: string[]): Promise<void> {
  const { values } = parse(argv, {});
  const paths = ensureHome(resolveHome(values.home));
  const existed = (await resolveLocalToken(paths, process.env, false)) !== null;
  const t = await resolveLocalToken(paths);
  // A token made just now belongs to no running gateway yet: a client given it would get 401
  // from a gateway started with another home, so say which home this one is for.
  if (!existed) process.stderr.write(`Created a new local token for home ${paths.dir}: no gateway has used this home yet; start it with \`gatehouse start${values.home ? ` --home ${values.home}` : ''}\`.\n`);
  if (values.json) process.stdout.write(`${JSON.stringify({ token: t!.value, source: t!.source, file: t!.file })}\n`);
  else process.stdout.write(`${t!.value}\n`);
}
