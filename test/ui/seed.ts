import { TEST_TOKEN, type TestGateway } from '../helpers/gateway.js';
import { chat } from '../helpers/policy.js';

/** dev enforces little and audits cards; prod, shadowed, also blocks cards and wants a ticket id. */
export const POLICY = `apiVersion: gatehouse/v1
org: acme
version: 3
tiers:
  dev:
    guardrails:
      - { id: card, type: deny_regex, hook: llm_input, action: validate, mode: audit, config: { patterns: ["4[0-9]{15}"], label: card } }
      - { id: email, type: deny_regex, hook: llm_input, action: mutate, mode: enforce, config: { patterns: ["[a-z]+@example[.]com"], label: email } }
      - { id: password, type: deny_regex, hook: llm_input, action: validate, mode: enforce, config: { patterns: ["hunter2"], label: password } }
  prod:
    extends: dev
    metadata: { required: [ticket_id] }
    guardrails:
      - { id: card, type: deny_regex, hook: llm_input, action: validate, mode: enforce, config: { patterns: ["4[0-9]{15}"], label: card } }
`;

export interface Seeded {
  card: string;
  clean: string;
  blocked: string;
  mutated: string;
  tools: string;
}

/** A chat with a system prompt, a tool call and its result, so the detail shows every kind of turn. */
async function toolConversation(gw: TestGateway): Promise<string> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json', 'x-gatehouse-metadata': JSON.stringify({ ticket_id: 'ENG-7', team: 'platform' }) },
    body: JSON.stringify({
      model: 'demo/echo',
      messages: [
        { role: 'system', content: 'You are a build assistant.' },
        { role: 'user', content: 'What is the weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny, 21 C' },
        { role: 'user', content: 'Summarise that.' },
      ],
    }),
  });
  if (res.status !== 200) throw new Error(`tool conversation answered ${res.status}: ${await res.text()}`);
  return res.headers.get('x-gatehouse-trace-id')!;
}

async function traced(gw: TestGateway, content: string, metadata: Record<string, string>, status: number): Promise<string> {
  const r = await chat(gw, content, { model: 'demo/echo', metadata });
  if (r.status !== status) throw new Error(`"${content}" answered ${r.status}, expected ${status}`);
  return r.headers.get('x-gatehouse-trace-id')!;
}

/** Real requests through the gateway and its demo provider: every trace the views show was made here. */
export async function seed(gw: TestGateway): Promise<Seeded> {
  return {
    card: await traced(gw, 'pay with 4111111111111111', { team: 'payments', project: 'checkout' }, 200),
    clean: await traced(gw, 'all fine here', { ticket_id: 'ENG-1', team: 'platform', project: 'infra' }, 200),
    blocked: await traced(gw, 'my password is hunter2', { ticket_id: 'ENG-2', team: 'payments' }, 403),
    mutated: await traced(gw, 'mail bob@example.com the report', { ticket_id: 'ENG-3', team: 'platform' }, 200),
    tools: await toolConversation(gw),
  };
}
