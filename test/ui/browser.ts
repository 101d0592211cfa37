import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env.GATEHOUSE_CHROMIUM ?? '/usr/bin/chromium';

/** Debian's Chromium, driven by playwright-core: never a downloaded browser (`npx playwright install`). */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * Whether the browser tests can run here. Without Chromium they skip with one printed line,
 * unless GATEHOUSE_TEST_BROWSER=required (CI), where a missing browser is a failure.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const reason = `dashboard browser tests: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`;
  if (process.env.GATEHOUSE_TEST_BROWSER === 'required') throw new Error(`${reason}, and GATEHOUSE_TEST_BROWSER=required`);
  console.log(`skipping ${reason}`);
  return false;
}

export async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Screenshots go under test-results/ (gitignored), one per view, for a person to look at. */
export function screenshotPath(name: string): string {
  const dir = join('test-results', 'ui');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}
