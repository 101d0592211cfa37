import { VERSION } from '../core/version.js';

/** The top-level usage text; `docs/reference/cli.md` is generated from it and every command's own. */
export const HELP = `gatehouse ${VERSION}: a local AI gateway for IDE agents and scripts

Usage: gatehouse <command> [options]

Commands:
  start     Run the gateway on 127.0.0.1 (--port 4141, --config FILE, --log-level warn)
  token     Print the local client token
  status    Show the running gateway's state: policy, enrollment, last sync, outbox (--port P)
  enroll    Enroll this device with the org's central gateway: enroll --central URL (PAT on stdin or GATEHOUSE_PAT)
  unenroll  Remove the enrollment, the org policy and the PAT; the local policy applies again
  sync      Run a sync cycle on the running gateway now: sync now [--json]
  keys      Keys in the OS keychain: keys set NAME (value on stdin), keys list, keys rm NAME
  setup     Point an IDE agent at the gateway: setup claude-code|codex|cursor|continue [--write] [--model M] [--port P]
  policy    The org policy: policy show | check FILE | diff [FILE] --from dev --to prod | replay FILE --last N
  guardrails  Scan texts with a tier's guardrails: guardrails scan [--tier T] < lines of {"text": ...}
  central   The org's central gateway: central start --org ORG [--port 4142] | central publish FILE | central pat USER [--team T]

\`gatehouse <command> --help\` shows a command's options.

Every command takes --home DIR (default: the OS app-data dir), --config FILE and --json.
Environment: GATEHOUSE_HOME, GATEHOUSE_PORT, GATEHOUSE_CONFIG, GATEHOUSE_TOKEN, GATEHOUSE_KEYCHAIN=off,
GATEHOUSE_PAT (the PAT on a machine without a keychain).
`;

/** A command: what runs it, and its own usage text for --help when it has one. */
export interface Command {
  run(argv: string[]): Promise<void>;
  help?: string;
}

/**
 * Each command's module is imported when it runs: the gateway (`start`) then never carries
 * what only the other commands use (the diff library of `setup`, the key prompts, replay),
 * about 1–2 MB of its idle memory.
 */
export const COMMANDS: Record<string, () => Promise<Command>> = {
  start: async () => import('./start.js').then((m) => ({ run: m.start, help: m.START_HELP })),
  token: async () => import('./token.js').then((m) => ({ run: m.token })),
  status: async () => import('./info.js').then((m) => ({ run: m.status, help: m.STATUS_HELP })),
  enroll: async () => import('./enroll.js').then((m) => ({ run: m.enroll, help: m.ENROLL_HELP })),
  unenroll: async () => import('./enroll.js').then((m) => ({ run: m.unenroll, help: m.UNENROLL_HELP })),
  sync: async () => import('./enroll.js').then((m) => ({ run: m.sync, help: m.SYNC_HELP })),
  keys: async () => import('./keys.js').then((m) => ({ run: m.keys, help: m.KEYS_HELP })),
  setup: async () => import('./setup.js').then((m) => ({ run: m.setup, help: m.SETUP_HELP })),
  policy: async () => import('./policy.js').then((m) => ({ run: m.policy, help: m.POLICY_HELP })),
  guardrails: async () => import('./guardrails.js').then((m) => ({ run: m.guardrails, help: m.GUARDRAILS_HELP })),
  central: async () => import('../../sync/central/cli.js').then((m) => ({ run: m.central, help: m.CENTRAL_HELP })),
};
