import { CommandError, EXIT, UsageError } from './args.js';
import { VERSION } from '../core/version.js';
import { COMMANDS, HELP } from './commands.js';
import { holdYoungGeneration } from '../core/young-generation.js';

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
  // The servers only, before their modules load; each releases it once it listens. A command
  // that works through much data (export, replay) keeps V8's default growth.
  if (name === 'start' || name === 'central') holdYoungGeneration();
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`Unknown command "${name}": run \`gatehouse --help\` for the list.\n`);
    return EXIT.usage;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.help ?? HELP);
    return EXIT.ok;
  }
  try {
    await command.run(rest);
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
// `start` and `central start` keep running; every other command exits with its code.
const serving = process.argv[2] === 'start' || (process.argv[2] === 'central' && process.argv[3] === 'start');
if (code !== EXIT.ok || !serving) process.exitCode = code;
