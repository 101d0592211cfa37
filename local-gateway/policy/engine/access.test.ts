import { describe, expect, it } from 'vitest';
import { permissiveTier, type ResolvedTier } from '../schema.js';
import { metadataHow, metadataStage } from './access.js';
import type { RequestFacts } from './facts.js';

const facts = (metadata: Record<string, string>): RequestFacts => ({
  api: 'chat.completions',
  model: 'demo/echo',
  resolvedModel: 'demo/echo',
  user: 'ada',
  team: null,
  metadata,
  input: ['hi'],
  output: null,
  estimatedTokens: 1,
  tokensIn: null,
  tokensOut: null,
  at: 0,
});

const tier = (required: string[]): ResolvedTier => ({ ...permissiveTier('prod'), metadata: { required } });

describe('the metadata contract', () => {
  it('advises an example made of exactly the keys the request lacks', () => {
    const verdicts = metadataStage(tier(['team', 'ticket_id', 'cost_center']), facts({ ticket_id: 'PAY-7' }), { tier: 'prod', enforced: true });
    expect(verdicts.map((v) => v.rule)).toEqual(['metadata.team', 'metadata.cost_center']);
    for (const v of verdicts) expect(v.reason).toContain('x-gatehouse-metadata: {"team":"payments","cost_center":"<cost_center>"}');
    expect(verdicts[0]!.reason).not.toContain('ticket_id');
  });

  it('passes a request that carries every required key, and counts an empty value as missing', () => {
    expect(metadataStage(tier(['team']), facts({ team: 'infra' }), { tier: 'prod', enforced: true })).toEqual([]);
    expect(metadataStage(tier(['team']), facts({ team: '' }), { tier: 'prod', enforced: true })).toHaveLength(1);
  });

  it('pastes as valid JSON', () => {
    const example = metadataHow(['team', 'a"b']).split('x-gatehouse-metadata: ')[1]!;
    expect(JSON.parse(example)).toEqual({ team: 'payments', 'a"b': '<a"b>' });
  });
});
