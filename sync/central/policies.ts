import { parse as parseYaml } from 'yaml';
import { activePolicy, type ActivePolicy, type PolicySource } from '../../local-gateway/policy/source.js';
import type { PolicyBundle } from '../../local-gateway/policy/schema.js';
import { checkPolicyText } from '../../local-gateway/policy/validate.js';
import { signBytes, type SigningKeyPair } from '../signing.js';
import { CentralError, type Problem } from './errors.js';
import type { Signer } from './keys.js';
import { VersionConflict, type CentralStorage, type PolicyRow } from './storage.js';

/** A bundle without `expires` gets publish time + this; devices refuse it afterwards (freeze attacks), so the org republishes. */
export const DEFAULT_EXPIRY_MS = 30 * 24 * 3600_000;

export interface PolicyBookOptions {
  /** The tier the central gateway enforces on its client APIs; a bundle without it is refused. */
  enforcedTier: string;
  /** The org given at start; null: the latest published bundle's (the central does not start with neither). */
  org: string | null;
  clock: () => number;
}

/**
 * The published bundles: publish validates with the same check as `gatehouse policy check`,
 * assigns the next version, signs the exact JSON text it will serve. It is also the policy
 * source of the central's own pipeline, so a publish changes what the client APIs enforce.
 */
export class PolicyBook {
  private latestRow: PolicyRow | null = null;
  private latestBundle: PolicyBundle | null = null;
  private active: ActivePolicy;
  private readonly listeners: ((p: ActivePolicy) => void)[] = [];
  readonly source: PolicySource;

  private constructor(private readonly storage: CentralStorage, private readonly signer: Signer, private readonly opts: PolicyBookOptions) {
    this.active = activePolicy(null, [opts.enforcedTier], 'builtin', null);
    this.source = {
      current: () => this.active,
      onChange: (l) => void this.listeners.push(l),
      lastError: () => null,
      close: () => {},
    };
  }

  static async open(storage: CentralStorage, signer: Signer, opts: PolicyBookOptions): Promise<PolicyBook> {
    const book = new PolicyBook(storage, signer, opts);
    const row = await storage.latestPolicy();
    if (row) book.adopt(row);
    return book;
  }

  latest(): PolicyRow | null {
    return this.latestRow;
  }

  /** The org the central answers for: its configured name, else the latest bundle's. */
  org(): string | null {
    return this.opts.org ?? this.publishedOrg();
  }

  /** The org of the latest published bundle; null before the first publish. */
  publishedOrg(): string | null {
    return this.latestBundle?.org ?? null;
  }

  /** Validates, versions, signs and stores a bundle (YAML or JSON text). */
  async publish(text: string): Promise<{ version: number; key_id: string; expires: string }> {
    const raw = this.validate(text);
    const now = this.opts.clock();
    const version = (this.latestRow?.version ?? 0) + 1;
    const expires = typeof raw.expires === 'string' ? new Date(raw.expires).toISOString() : new Date(now + DEFAULT_EXPIRY_MS).toISOString();
    const bundle = serialize(raw, version, expires);
    const { signature, keyId } = this.signer.sign(bundle);
    const row: PolicyRow = { version, bundle, signature, keyId, publishedAt: now, expires };
    try {
      await this.storage.insertPolicy(row);
    } catch (err) {
      if (err instanceof VersionConflict) {
        // Another replica published: catch up, so the next attempt takes the next free version.
        await this.refresh();
        throw new CentralError('GH_ERR_VERSION_CONFLICT', `Version ${version} was published by another request meanwhile: publish again.`);
      }
      throw err;
    }
    this.adopt(row);
    return { version, key_id: keyId, expires };
  }

  /** The latest bundle as the next version, signed by `next` (key rotation); null before the first publish. */
  resigned(next: SigningKeyPair): PolicyRow | null {
    const last = this.latestRow;
    if (!last) return null;
    const bundle = serialize(JSON.parse(last.bundle) as Record<string, unknown>, last.version + 1, last.expires);
    return { version: last.version + 1, bundle, signature: signBytes(next, bundle), keyId: next.keyId, publishedAt: this.opts.clock(), expires: last.expires };
  }

  /**
   * Adopts the stored latest version when it is newer than this replica's (another replica
   * published or rotated): checked as at start, then swapped in at once. True when it changed.
   */
  async refresh(): Promise<boolean> {
    const row = await this.storage.latestPolicy();
    if (!row || (this.latestRow !== null && row.version <= this.latestRow.version)) return false;
    this.adopt(row);
    return true;
  }

  /** Makes a stored row the latest: what the policy endpoint serves and the pipeline enforces. */
  adopt(row: PolicyRow): void {
    const checked = checkPolicyText(row.bundle, `policy v${row.version}`);
    if (!checked.ok) throw new Error(`stored policy version ${row.version} no longer validates: ${checked.problems[0]?.message}`);
    this.latestRow = row;
    this.latestBundle = checked.data;
    this.active = activePolicy(checked.data, [this.opts.enforcedTier], 'org', null);
    for (const l of this.listeners) l(this.active);
  }

  private validate(text: string): Record<string, unknown> {
    const checked = checkPolicyText(text, 'bundle');
    if (!checked.ok) {
      const problems: Problem[] = checked.problems.map((p) => ({ line: p.line, field: p.path || '(top level)', message: p.message }));
      throw new CentralError('GH_ERR_INVALID_POLICY', `The bundle does not validate (${problems.length} problem${problems.length > 1 ? 's' : ''}): fix each one and publish again; \`gatehouse policy check FILE\` shows the same.`, problems);
    }
    const b = checked.data;
    const extra: Problem[] = [];
    if (!(this.opts.enforcedTier in b.tiers)) {
      extra.push({ line: null, field: 'tiers', message: `the central gateway enforces tier "${this.opts.enforcedTier}", which this bundle lacks (tiers: ${Object.keys(b.tiers).join(', ')})` });
    }
    // Enrolled devices pinned this org: a bundle for another would be refused by every one of them.
    const org = this.org();
    if (org !== null && b.org !== org) extra.push({ line: null, field: 'org', message: `this central gateway serves org "${org}", not "${b.org}"` });
    if (b.expires !== undefined && Date.parse(b.expires) <= this.opts.clock()) extra.push({ line: null, field: 'expires', message: `${b.expires} is already past: set a later time, or leave expires out for 30 days from now` });
    if (extra.length > 0) throw new CentralError('GH_ERR_INVALID_POLICY', `The bundle cannot be published: ${extra.map((p) => `${p.field}: ${p.message}`).join('; ')}.`, extra);
    // The document as written (not the parsed form with defaults), so what is signed is what the org wrote.
    return parseYaml(text) as Record<string, unknown>;
  }
}

/** The exact text that is signed and served: the org's document as JSON with the server's version and expiry. */
function serialize(doc: Record<string, unknown>, version: number, expires: string): string {
  return JSON.stringify({ ...doc, version, expires });
}
