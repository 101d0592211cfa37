import { z } from 'zod';

/**
 * `GET /v1/fleet/whoami` on the central gateway, with the PAT as bearer: who the PAT belongs
 * to. An addition to the sync protocol; the device stamps every trace with the answer and
 * scopes `user`/`team` rate limits and budgets by it. It lives with the identity that asks,
 * so the gateway's core imports nothing of sync; the central and `sync/protocol.ts` import it.
 */
export const WHOAMI_PATH = '/v1/fleet/whoami';

export const WhoamiSchema = z.object({
  user: z.string().min(1),
  team: z.string().min(1).nullable(),
  org: z.string().min(1),
});
export type Whoami = z.infer<typeof WhoamiSchema>;
