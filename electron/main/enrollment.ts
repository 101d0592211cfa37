import { z } from 'zod';
import { CommandError } from '../../local-gateway/cli/args.js';
import { describeCycle, enrollHome, isCentralUrl } from '../../local-gateway/cli/enroll.js';
import type { HomePaths } from '../../local-gateway/core/home.js';
import type { Keychain } from '../../local-gateway/keychain/index.js';

/** The enrollment form's two fields, as main checks them before anything leaves the machine. */
export const EnrollArgsSchema = z.tuple([
  z.string().trim().max(2048).refine(isCentralUrl, 'the central gateway must be an http(s) URL, e.g. https://gatehouse.example.com'),
  z.string().trim().min(1, 'the PAT is empty').max(4096).regex(/^\S+$/, 'a PAT has no spaces'),
]);

/** What the form shows after Enroll: who the device now is, or the one sentence that says what to fix. Never the PAT. */
export const EnrollReplySchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), org: z.string(), user: z.string(), team: z.string().nullable(), device_id: z.string(), central_url: z.string(), sync: z.string().nullable() }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
export type EnrollReply = z.infer<typeof EnrollReplySchema>;

/**
 * Enrolls from the desktop app through the same module as `gatehouse enroll` (enrollHome): the
 * PAT goes into the OS keychain, the org's keys are pinned, and the running gateway syncs.
 */
export async function enrollFromApp(paths: HomePaths, keychain: Keychain, central: string, pat: string): Promise<EnrollReply> {
  try {
    const { enrollment: e, cycle } = await enrollHome({ paths, central, pat, patSource: 'keychain', keychain });
    return { ok: true, org: e.org, user: e.user, team: e.team, device_id: e.device_id, central_url: e.central_url, sync: cycle.ran && cycle.result ? describeCycle(cycle.result) : null };
  } catch (err) {
    if (err instanceof CommandError) return { ok: false, error: err.message };
    throw err;
  }
}
