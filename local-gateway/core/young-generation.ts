import { setFlagsFromString } from 'node:v8';

/**
 * Loading the gateway allocates a lot that survives (modules, schemas, weights), and V8 answers
 * by growing the young generation to its largest semi-spaces, which then stay committed until its
 * memory reducer runs half a minute later: an idle gateway read 95 MB six seconds after start and
 * 80 MB once settled. Holding the growth factor at 1 while loading keeps the semi-spaces at their
 * start size; a server gives V8 its default factor (2) back once it listens, so load grows them
 * as before. The factor is read at each growth step, so setting it at run time takes effect.
 */
export function holdYoungGeneration(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

export function releaseYoungGeneration(): void {
  setFlagsFromString('--semi-space-growth-factor=2');
}
