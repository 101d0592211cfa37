import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writePrivateJson } from '../../local-gateway/core/home.js';
import { NotificationSettingsSchema } from './notifications.js';

/** The app's own choices, in `<userData>/settings.json`: nothing secret, nothing the gateway reads. */
export const AppSettingsSchema = z.object({
  /** Absent until first settled (login-item.ts settleLoginItem); after that it mirrors what the OS holds. */
  openAtLogin: z.boolean().optional(),
  notifications: NotificationSettingsSchema.default({}),
  /** What Quit does without asking again: keep the gateway for the agents, or stop it. */
  onQuit: z.enum(['ask', 'keep', 'stop']).default('ask'),
});
export type AppSettings = z.infer<typeof AppSettingsSchema>;

/** Reads the settings; a missing or broken file gives the defaults (it only holds preferences). */
export function readAppSettings(file: string): AppSettings {
  let raw: unknown = {};
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // First run, or a file edited by hand into nonsense: the defaults apply.
  }
  const parsed = AppSettingsSchema.safeParse(raw);
  return parsed.success ? parsed.data : AppSettingsSchema.parse({});
}

export function writeAppSettings(file: string, settings: AppSettings): void {
  writePrivateJson(file, AppSettingsSchema.parse(settings));
}
