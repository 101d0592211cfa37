import { describe, expect, it } from 'vitest';
import { usageCsv, usageFilename } from './usage.js';
import type { UsageReport } from './schemas.js';

const counts = { requests: 2, errors: 1, tokens_in: 30, tokens_out: 7, tokens_cached: 0, cost_usd: 0.5 };

describe('usageCsv', () => {
  it('quotes keys with commas, quotes or line breaks, and leaves a null key empty', () => {
    const report: UsageReport = {
      since: '2026-11-01T00:00:00.000Z',
      until: '2026-11-24T00:00:00.000Z',
      interval: 'day',
      by: 'project',
      buckets: [
        { bucket: '2026-11-02', key: 'checkout, "web"', ...counts },
        { bucket: '2026-11-02', key: null, ...counts },
      ],
      totals: counts,
    };
    expect(usageCsv(report)).toBe(
      'bucket,key,requests,errors,tokens_in,tokens_out,tokens_cached,cost_usd\r\n' +
        '2026-11-02,"checkout, ""web""",2,1,30,7,0,0.5\r\n' +
        '2026-11-02,,2,1,30,7,0,0.5\r\n',
    );
    expect(usageFilename(report)).toBe('gatehouse-usage-2026-11-01-2026-11-24.csv');
  });
});
