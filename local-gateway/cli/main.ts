import { CommandError, EXIT, UsageError } from './args.js';
import { VERSION } from '../core/version.js';

const HELP = `gatehouse ${VERSION}: a local AI gateway for IDE agents and scripts

Usage: gatehouse <command> [options]

Commands:
  start     Run the gateway on 127.0.0.1 (--port 4141, --config FILE, --log-level warn)
  token     Print the local client token
  status    Show the running gateway's state
  keys      Keys in the OS keychain: keys set NAME (value on stdin), keys list, keys rm NAME
  setup     Point an IDE agent at the gateway: setup claude-code|codex|cursor|continue [--write] [--model M]

Every command takes --home DIR (default: the OS app-data dir), --config FILE and --json.
Environment: GATEHOUSE_HOME, GATEHOUSE_PORT, GATEHOUSE_CONFIG, GATEHOUSE_TOKEN, GATEHOUSE_KEYCHAIN=off.
`;

/**
 * Each command's module is imported when it runs: the gateway (`start`) then never carries
 * what only the other commands use (the diff library of `setup`, the key prompts), about
 * 1–2 MB of its idle memory.
 */
const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  start: async (argv) => (await import('./start.js')).start(argv),
  token: async (argv) => (await import('./info.js')).token(argv),
  status: async (argv) => (await import('./info.js')).status(argv),
  keys: async (argv) => (await import('./keys.js')).keys(argv),
  setup: async (argv) => (await import('./setup.js')).setup(argv),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`Unknown command "${name}": run \`gatehouse --help\` for the list.\n`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  try {
    await command(rest);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof CommandError) {
      process.stderr.write(`${err.message}\n`);
      return EXIT.failed;
    }
    process.stderr.write(`gatehouse ${name} failed: ${(err as Error).message}\n`);
    return EXIT.failed;
  }
}

const code = await main(process.argv.slice(2));
// `start` keeps running; every other command exits with its code.
if (code !== EXIT.ok || process.argv[2] !== 'start') process.exitCode = code;
