import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import '../local-gateway/guardrails/index.js';
import { BUILTIN_TYPES } from '../local-gateway/guardrails/scanner.js';
import { BIN, runCli } from './helpers/cli.js';
import { waitFor } from './helpers/gateway.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-guardrails-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const POLICY = file(
  'policy.yaml',
  `apiVersion: gatehouse/v1
org: acme
version: 1
tiers:
  dev:
    guardrails:
      - { id: hosts, type: deny_regex, hook: llm_input, action: validate, config: { patterns: ['[a-z0-9-]+\\.corp\\.internal'], label: internal_host } }
      # Two patterns that match the same span: one finding, not two.
      - { id: tickets, type: deny_regex, hook: llm_output, action: mutate, mode: audit, config: { patterns: ['ACME-[0-9]+', 'ACME-\\d+'], label: ticket } }
      - { id: tools, type: deny_regex, hook: mcp_pre_tool, action: validate, config: { patterns: ['rm -rf'] } }
  prod:
    extends: dev
    guardrails:
      - { id: codename, type: deny_regex, hook: llm_input, action: validate, config: { patterns: ['nightjar'], label: codename } }
  empty: {}
`,
);
const CONFIG = file('gatehouse.yaml', `policy: ${POLICY}\ntiers: { active: dev, shadow: [prod] }\n`);
const HOME = mkdtempSync(join(dir, 'home-'));
const ENV = { GATEHOUSE_HOME: HOME, GATEHOUSE_CONFIG: '' };

const lines = (...texts: unknown[]) => texts.map((t) => `${JSON.stringify(typeof t === 'string' ? { text: t } : t)}\n`).join('');
const out = (stdout: string) => stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { findings?: { guardrail: string; type: string; start: number; end: number }[]; error?: string });
const scan = (input: string, args: string[] = []) => runCli(['guardrails', 'scan', '--config', CONFIG, ...args], ENV, input);

describe('gatehouse guardrails scan', () => {
  it('reports offsets in code points, so an emoji before the match counts as one character', () => {
    const text = '🚀🚀 deploy to build-01.corp.internal for ACME-42 now';
    const r = scan(lines(text));
    expect(r.code).toBe(0);
    const [line] = out(r.stdout);
    expect(line!.findings).toEqual([
      { guardrail: 'hosts', type: 'internal_host', start: 13, end: 35 },
      // The output hook's mutate rule scans too, and its two patterns' identical finding comes once.
      { guardrail: 'tickets', type: 'ticket', start: 40, end: 47 },
    ]);
    const chars = [...text];
    expect(chars.slice(13, 35).join('')).toBe('build-01.corp.internal');
    expect(chars.slice(40, 47).join('')).toBe('ACME-42');
    // The MCP hook's guardrail is not a text scanner.
    expect(out(scan(lines('rm -rf /')).stdout)).toEqual([{ findings: [] }]);
  });

  it('writes one line per input in input order, a 500 KB line included', () => {
    const texts = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? `ticket ACME-${i}` : `clean line ${i}`));
    const big = `${'const x = 1;\n'.repeat(40_000)}ssh db.corp.internal`;
    texts.splice(150, 0, big);
    const r = scan(lines(...texts));
    expect(r.code).toBe(0);
    const got = out(r.stdout);
    expect(got).toHaveLength(301);
    got.forEach((l, i) => {
      const text = texts[i]!;
      const m = /ACME-\d+|db\.corp\.internal/.exec(text);
      if (m === null) expect(l, `line ${i + 1}`).toEqual({ findings: [] });
      else expect(l.findings!.map((f) => text.slice(f.start, f.end))).toEqual([m[0]]);
    });
  });

  it('answers each line as it is read, before the input ends', async () => {
    const child = spawn(process.execPath, [BIN, 'guardrails', 'scan', '--config', CONFIG], { env: { ...process.env, ...ENV } });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stdin.write(lines('first ACME-1'));
    await waitFor(() => stdout.includes('\n'), 'the first line\'s answer', 15_000);
    expect(out(stdout)).toEqual([{ findings: [{ guardrail: 'tickets', type: 'ticket', start: 6, end: 12 }] }]);
    child.stdin.write(lines('second x.corp.internal'));
    await waitFor(() => stdout.split('\n').length === 3, 'the second line\'s answer', 15_000);
    child.stdin.end();
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(out(stdout)[1]).toEqual({ findings: [{ guardrail: 'hosts', type: 'internal_host', start: 7, end: 22 }] });
  });

  it('writes an error line for a bad line, scans the rest and exits 1', () => {
    const r = scan(`${lines('ACME-1')}not json\n${lines({ text: 42 }, { msg: 'x' })}\n${lines('ACME-2')}`);
    expect(r.code).toBe(1);
    const got = out(r.stdout);
    expect(got).toHaveLength(6);
    expect(got[0]!.findings).toHaveLength(1);
    expect(got[1]!.error).toMatch(/^line 2: not JSON \(.+\): write one object \{"text": "\.\.\."\} per line$/);
    expect(got[2]).toEqual({ error: 'line 3: no string "text": write one object {"text": "..."} per line' });
    expect(got[3]!.error).toMatch(/^line 4: /);
    expect(got[4]!.error).toMatch(/^line 5: not JSON/);
    expect(got[5]!.findings).toHaveLength(1);
    expect(r.stderr).toBe('4 of 6 lines could not be scanned: see the "error" lines in the output.\n');
  });

  it('runs the tier --tier names, and exits 2 with a sentence for a tier the policy lacks', () => {
    const prod = scan(lines('nightjar on a.corp.internal'), ['--tier', 'prod']);
    expect(prod.code).toBe(0);
    expect(out(prod.stdout)[0]!.findings!.map((f) => f.guardrail)).toEqual(['codename', 'hosts']);
    expect(out(scan(lines('nightjar')).stdout)).toEqual([{ findings: [] }]);
    const bad = scan(lines('x'), ['--tier', 'qa']);
    expect(bad).toMatchObject({ code: 2, stdout: '', stderr: 'The policy has no tier "qa": pass --tier one of dev, prod, empty.\n' });
    expect(runCli(['guardrails', 'scan', 'extra'], ENV).code).toBe(2);
    expect(runCli(['guardrails', 'check'], ENV).code).toBe(2);
    expect(runCli(['guardrails', 'scan', '--tier'], ENV).code).toBe(2);
  });

  it('falls back to the built-in set without a policy or tier guardrails, saying so once and naming types this build lacks', () => {
    for (const [args, head] of [
      [[], 'no policy configured: scanning with the built-in set (pii, secrets, prompt_injection).'],
      [['--config', CONFIG, '--tier', 'empty'], 'tier "empty" has no llm_input or llm_output guardrails: scanning with the built-in set (pii, secrets, prompt_injection).'],
    ] as const) {
      const r = runCli(['guardrails', 'scan', ...args], ENV, lines('hello', 'world'));
      expect(r.code).toBe(0);
      expect(out(r.stdout)).toHaveLength(2);
      const stderr = r.stderr.split('\n');
      expect(stderr[0]).toBe(head);
      expect(stderr.filter((l) => l === head)).toHaveLength(1);
      // The built-in set is in every build (guardrails/index.ts lists it): no type of it is ever skipped.
      for (const type of BUILTIN_TYPES) expect(r.stderr.includes(`guardrail type "${type}" is not in this build: skipped.`)).toBe(false);
    }
  });

  it('documents the output, the offsets and --json in its help', () => {
    const r = runCli(['guardrails', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('{"findings":[{"guardrail","type","start","end"}]}');
    expect(r.stdout).toContain('Unicode code points');
    expect(r.stdout).toMatch(/--json +accepted for symmetry/);
    expect(runCli(['--help']).stdout).toContain('guardrails');
  });
});
