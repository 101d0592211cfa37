import { describe, expect, it } from 'vitest';
import { judge, type ScenarioResult } from './suite.js';

const run: ScenarioResult[] = [
  { scenario: 'ping', checks: [{ id: 'ping', status: 'SUCCESS' }, { id: 'wire-schema-valid', status: 'SUCCESS' }] },
  { scenario: 'tools-call', checks: [{ id: 'call', status: 'FAILURE', errorMessage: 'no such tool' }, { id: 'wire-schema-valid', status: 'SUCCESS' }] },
  { scenario: 'stateless', checks: [{ id: 'a', status: 'FAILURE', errorMessage: 'a broke' }, { id: 'a', status: 'SUCCESS' }, { id: 'b', status: 'SUCCESS' }, { id: 'c', status: 'SKIPPED' }] },
];

describe('judging a conformance run against the known failures', () => {
  it('accepts a run whose failures are all listed, per check or per scenario', () => {
    expect(judge(run, { 'tools-call:call': 'x', 'stateless:a': 'y' })).toEqual({ regressions: [], stale: [] });
    expect(judge(run, { 'tools-call': 'x', 'stateless:a': 'y' })).toEqual({ regressions: [], stale: [] });
  });

  it('names a failing check that is not listed, with its message, even when another check of its scenario is', () => {
    expect(judge(run, { 'tools-call:call': 'x' }).regressions).toEqual(['stateless:a: a broke']);
    expect(judge(run, { 'tools-call:call': 'x', 'stateless:b': 'y' }).regressions).toEqual(['stateless:a: a broke']);
  });

  it('calls a listed failure that passes now stale, and says to move it out', () => {
    const { stale } = judge(run, { 'tools-call:call': 'x', 'stateless:a': 'y', 'stateless:b': 'z', ping: 'w' });
    expect(stale.sort()).toEqual(['ping: passes now; move it out of the list of known failures', 'stateless:b: passes now; move it out of the list of known failures']);
  });

  it('calls the entries of a scenario that no longer fails at all stale, though their checks are gone', () => {
    const fixed: ScenarioResult[] = [{ scenario: 'elicit', checks: [{ id: 'elicit-defaults', status: 'SUCCESS' }] }];
    expect(judge(fixed, { 'elicit:elicit-general': 'x' }).stale).toEqual(['elicit: passes now; move its entries out of the list of known failures']);
  });

  it('tolerates a listed check that was skipped or never reached while its scenario still fails, but not a scenario that did not run', () => {
    expect(judge(run, { 'tools-call:call': 'x', 'stateless:a': 'y', 'stateless:c': 'z', 'stateless:d': 'z' }).stale).toEqual([]);
    expect(judge(run, { 'tools-call:call': 'x', 'stateless:a': 'y', 'gone:x': 'z' }).stale).toEqual(['gone:x: the suite did not run scenario gone; remove it from the list']);
  });
});
