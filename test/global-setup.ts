import { execFileSync } from 'node:child_process';

/** The CLI tests run the real `bin/gatehouse.js`, which runs the compiled output: build it once. */
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
