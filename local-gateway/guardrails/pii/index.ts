import { z } from 'zod';
import type { GuardrailFinding, GuardrailType } from '../../policy/engine/guardrails.js';
import { IdMemo, textIds } from '../../policy/engine/memo.js';
import { Placeholders } from '../../policy/engine/placeholders.js';
import { createDetector } from './detect.js';
import { PATTERNS } from './patterns.js';
import { phoneLib } from './phone.js';
import { ENTITIES } from './span.js';

/**
 * `pii`: personal data in prompts and answers: email, phone, credit_card, iban, ssn,
 * ip_address. `validate` blocks on a finding; `mutate` puts a typed placeholder per value
 * (`<EMAIL_1>`), the same one for the same value in every text of the request, and by
 * default restores the values in the answer, so the model never sees them and the
 * developer's answer still names them.
 */

/**
 * National formats looked for by default; `+…` international numbers are found whatever the
 * list, and US stands for every NANP country (CA and the Caribbean write numbers alike).
 */
export const DEFAULT_PHONE_REGIONS = ['US', 'GB', 'DE', 'FR', 'IN'];

export const PiiConfig = z.strictObject({
  /** What to look for (default: all six). */
  entities: z.array(z.enum(ENTITIES)).min(1, 'list at least one entity, e.g. [email, phone]').default([...ENTITIES]),
  /** Regions whose national phone formats count (ISO 3166 codes). */
  phone_regions: z.array(z.string().regex(PATTERNS.region, 'a two-letter region code such as US or DE')).default(DEFAULT_PHONE_REGIONS),
  /** Put the values a `mutate` took out of the prompt back into the answer. */
  restore: z.boolean().default(true),
  /** Values never reported: literals (`support@acme.io`, a company phone) or email domains (`example.com`, `acme.io`). */
  allow: z.array(z.string().min(1)).default([]),
  /** Report published test card numbers (4242 4242 4242 4242) also where they are fixtures in code. */
  report_test_cards: z.boolean().default(false),
  /** Report private-range IP addresses (10/8, 172.16/12, 192.168/16, fc00::/7, fe80::/10). */
  private_ips: z.boolean().default(true),
});
export type PiiConfig = z.infer<typeof PiiConfig>;

/** The `pii` guardrail type, as registered (exported so tests build checks the way the engine does). */
export const PII: GuardrailType<PiiConfig> = {
  config: PiiConfig,
  create(config, rule) {
    if (config.entities.includes('phone')) {
      const unknown = config.phone_regions.filter((r) => !phoneLib().isSupportedCountry(r));
      if (unknown.length > 0) throw new Error(`guardrail ${rule.id}: phone_regions ${unknown.join(', ')} are not regions libphonenumber knows; use ISO 3166 codes such as US, GB, DE.`);
    }
    const detect = createDetector({
      entities: config.entities,
      phoneRegions: config.phone_regions,
      reportTestCards: config.report_test_cards,
      privateIps: config.private_ips,
      allow: config.allow,
    });
    // Findings per long text, shared by every tier whose guardrail has this same config: the
    // 50th turn of a conversation scans only its new messages. They are kept as the findings
    // of the text's last position (frozen, as they are handed out again), since a message
    // keeps its place in a conversation that grows at the end.
    const memo = new IdMemo<{ at: number; found: readonly GuardrailFinding[] }>();
    const findingsOf = (text: string, id: number | null, at: number): readonly GuardrailFinding[] => {
      const known = id === null ? undefined : memo.get(id);
      if (known?.at === at) return known.found;
      const spans: readonly Pick<GuardrailFinding, 'type' | 'start' | 'end'>[] = known ? known.found : detect(text);
      const found = spans.map((s) => Object.freeze({ type: s.type, text: at, start: s.start, end: s.end }));
      if (id !== null) memo.set(id, { at, found });
      return found;
    };
    return {
      scan(texts) {
        const ids = textIds(texts);
        const found: GuardrailFinding[] = [];
        texts.forEach((text, i) => {
          for (const f of findingsOf(text, ids[i]!, i)) found.push(f);
        });
        return found;
      },
      redact(texts, findings, names = new Placeholders(() => texts)) {
        const byText = new Map<number, GuardrailFinding[]>();
        for (const f of findings) {
          const list = byText.get(f.text);
          if (list) list.push(f);
          else byText.set(f.text, [f]);
        }
        // Texts in order and spans left to right, so numbers follow first appearance.
        return texts.map((text, i) => {
          const spans = byText.get(i)?.sort((a, b) => a.start - b.start);
          if (!spans) return text;
          let out = '';
          let pos = 0;
          for (const f of spans) {
            if (f.start < pos) continue;
            out += text.slice(pos, f.start) + names.name(f.type.toUpperCase(), text.slice(f.start, f.end), config.restore);
            pos = f.end;
          }
          return out + text.slice(pos);
        });
      },
    };
  },
};

