import { z } from 'zod';
import { GatewayStatusSchema, PolicyViewSchema, ShadowSummarySchema } from '../../local-gateway/admin/schemas.js';

/** What the tray and the notifications read of the gateway, through its admin API (the same the dashboard calls). */
export const GatewaySnapshotSchema = z.object({
  policy: PolicyViewSchema.pick({ org: true, version: true, expires: true, source: true, last_error: true, last_sync: true }),
  sync: GatewayStatusSchema.shape.sync,
  /** The first shadow tier (usually prod); null when nothing is shadowed. */
  shadowTier: z.string().nullable(),
  /** Requests in the last hour that the shadow tier refused or would have refused. */
  wouldBlockLastHour: z.number().int(),
  /** The providers and the models they list, for the setup text's default model. */
  providers: z.array(z.object({ id: z.string(), models: z.array(z.string()) })),
  /** Traces stored: a change means new requests. */
  traces: z.number().int(),
});
export type GatewaySnapshot = z.infer<typeof GatewaySnapshotSchema>;

const HOUR_MS = 3_600_000;

async function get<T>(url: string, token: string, schema: z.ZodType<T>): Promise<T> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`${new URL(url).pathname} answered ${res.status}`);
  return schema.parse(await res.json());
}

/** One look at the gateway: status, policy in force and the last hour's prod preview, validated by their schemas. */
export async function fetchSnapshot(baseUrl: string, token: string, now: number): Promise<GatewaySnapshot> {
  const [status, policy] = await Promise.all([
    get(`${baseUrl}/api/status`, token, GatewayStatusSchema.pick({ tier: true, sync: true, store: true, providers: true })),
    get(`${baseUrl}/api/policy`, token, GatewaySnapshotSchema.shape.policy),
  ]);
  const shadowTier = status.tier.shadow[0] ?? null;
  let wouldBlockLastHour = 0;
  if (shadowTier !== null) {
    const since = encodeURIComponent(new Date(now - HOUR_MS).toISOString());
    const summary = await get(`${baseUrl}/api/shadow/summary?since=${since}&tier=${encodeURIComponent(shadowTier)}`, token, ShadowSummarySchema);
    wouldBlockLastHour = summary.tiers.find((t) => t.tier === shadowTier)?.blocked ?? 0;
  }
  return { policy, sync: status.sync, shadowTier, wouldBlockLastHour, traces: status.store.traces, providers: status.providers.map((p) => ({ id: p.id, models: p.models })) };
}
