import type { InputRequiredResult } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { driveRounds, MAX_ROUNDS, type Resume } from './upstream-rounds.js';

const what = { server: 'up', tool: 'ask' };
const question = (requestState?: string): InputRequiredResult =>
  ({ resultType: 'input_required', inputRequests: { branch: { method: 'elicitation/create', params: { message: 'Which branch?', requestedSchema: { type: 'object', properties: {} } } } }, ...(requestState ? { requestState } : {}) }) as InputRequiredResult;

describe('driveRounds', () => {
  it("asks the caller each question and re-sends with its answers and the upstream's state unchanged", async () => {
    const sent: (Resume | undefined)[] = [];
    const send = (r: Resume | undefined) => (sent.push(r), Promise.resolve(sent.length === 1 ? question('opaque+state/==') : { content: [] }));
    const result = await driveRounds(send, { elicit: () => Promise.resolve({ action: 'accept', content: { branch: 'main' } }) }, what, new AbortController().signal);
    expect(result).toEqual({ content: [] });
    expect(sent).toEqual([undefined, { inputResponses: { branch: { action: 'accept', content: { branch: 'main' } } }, requestState: 'opaque+state/==' }]);
  });

  it('hands the result back as it is to a caller that passes it on, and starts from its resume', async () => {
    const sent: (Resume | undefined)[] = [];
    const resume = { inputResponses: { branch: { action: 'decline' as const } }, requestState: 's1' };
    const q = question('s2');
    const result = await driveRounds((r) => (sent.push(r), Promise.resolve(q)), { passOn: true, resume }, what, new AbortController().signal);
    expect(result).toBe(q);
    expect(sent).toEqual([resume]);
  });

  it('fails with a message when the caller cannot take the question, and when the upstream never settles', async () => {
    await expect(driveRounds(() => Promise.resolve(question()), {}, what, new AbortController().signal)).rejects.toThrow(/asked for elicitation to run ask, but no client calling it through Gatehouse can answer/);
    let rounds = 0;
    const endless = () => (rounds++, Promise.resolve(question('again')));
    await expect(driveRounds(endless, { elicit: () => Promise.resolve({ action: 'cancel' }) }, what, new AbortController().signal)).rejects.toThrow(`after ${MAX_ROUNDS} rounds`);
    expect(rounds).toBe(MAX_ROUNDS + 1);
  });
});
