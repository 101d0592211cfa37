import { z } from 'zod';

/* Apart from the exporter, so the admin API's schemas do not load the OpenTelemetry packages. */

/** How the export is doing, as `GET /api/status` reports it under `telemetry`. */
export const TelemetryStatusSchema = z.object({
  endpoint: z.string(),
  protocol: z.enum(['http/protobuf', 'http/json']),
  /** Traces waiting to be exported. */
  queued: z.number().int(),
  /** Traces whose spans the collector accepted. */
  exported: z.number().int(),
  /** Traces never exported because the queue was full (`max_queue`). */
  dropped: z.number().int(),
  /** Traces whose export failed for good (refused, or retries and timeout spent). */
  failed: z.number().int(),
  last_error: z.string().nullable(),
});
export type TelemetryStatus = z.infer<typeof TelemetryStatusSchema>;
