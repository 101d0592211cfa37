/**
 * Hard benign text about attacks: security write-ups, CTF notes, advisories, test files and
 * reviews that quote a whole generated attack as their subject — in a quotation, a code block
 * or a test — and say what it did and how it was stopped. The attack inside is the same kind
 * the model learns to flag; the framing (who speaks, to whom, in what tense) is what tells the
 * two apart. Forceful instructions from a developer to their own agent come with them.
 */
import { attack, type AttackCategory } from './attacks.js';
import { pick, type Rand } from './lexicon.js';

const QUOTED: AttackCategory[] = ['override', 'extraction', 'roleplay', 'exfil', 'fake_tags', 'agent', 'encoded', 'translation'];
const WHERE = ['a support ticket', 'a PDF résumé', 'a product review', 'the README of a dependency', 'a calendar invite', 'an email signature', 'a search snippet', 'a code comment', 'a Jira ticket', 'a web page footer'];
const OUTCOME = [
  'The assistant treated it as data and answered the original question.', 'The gateway flagged the tool result and the call was blocked.', 'The model complied in 3 of 20 runs before the fix.',
  'After the patch the agent asks for confirmation before any network call.', 'We now strip HTML comments before the page reaches the model.', 'Severity: medium. Fixed in 2.4.1.',
];

const fence = (s: string) => `\`\`\`\n${s}\n\`\`\``;
const quote = (s: string) => s.split('\n').map((l) => `> ${l}`).join('\n');

/** A write-up, note or test that quotes an attack. */
export function writeUp(rand: Rand): string {
  const a = attack(rand, pick(rand, QUOTED));
  const where = pick(rand, WHERE);
  const out = pick(rand, OUTCOME);
  const id = Math.floor(rand() * 9000 + 1000);
  return pick(rand, [
    () => `## Finding ${id % 50}: indirect prompt injection via ${where}\n\nThe tester planted the following text in ${where}:\n\n${fence(a)}\n\n${out}\n\n**Recommendation:** treat tool output as untrusted and require approval for side effects.`,
    () => `CTF write-up, challenge "${pick(rand, ['Gandalf lvl 5', 'leaky-bot', 'prompt-golf', 'agent-escape'])}". My first attempt was:\n\n${quote(a)}\n\nThe bot refused, so I ${pick(rand, ['split the payload over two messages', 'encoded it', 'asked it to role-play'])}. Flag: CTF{${id.toString(16)}}.`,
    () => `Advisory GHSA-${id.toString(36)}-xxxx: an attacker-controlled ${where} containing\n\n${fence(a)}\n\ncould make the agent act on it. ${out}`,
    () => `it('blocks the injection hidden in ${where}', async () => {\n  const text = ${JSON.stringify(a)};\n  expect(await guard.scan(text)).toHaveLength(1);\n});`,
    () => `Incident ${id}: a user reported that ${where} contained the text "${a.replace(/\n/g, ' ').slice(0, 240)}". ${out} Postmortem owner: @sec-oncall.`,
    () => `In our red-team dataset, category "${pick(rand, ['override', 'exfiltration', 'jailbreak', 'tool abuse'])}" includes samples like:\n\n${quote(a)}\n\nWe measure how often the model follows them (attack success rate) across ${3 + (id % 5)} models.`,
    () => `Reviewing the detector's false negatives from last week. This one slipped through:\n\n${fence(a)}\n\nWhy: no override words, and it sat inside ${where}. Adding it to the regression set.`,
  ])();
}

const TARGET = ['the flaky e2e test', 'the old auth module', 'the last three commits', 'the generated client', 'the migration in 0042', 'the failing lint rule', 'the staging config'];
const ORDER = [
  'STOP. Don\'t touch {t}; revert what you just did to it.', 'Forget {t} entirely and focus on the API handler.', 'Ignore everything I said about {t} earlier; we are keeping it.',
  'From now on, always run the type checker before you tell me something works.', 'You are now the reviewer for this PR: be blunt and list every problem in {t}.',
  'Override the default: use a 30 second timeout for {t}.', 'Do NOT push anything. Do NOT open a PR. Just show me the diff for {t}.',
  'Disregard the previous plan for {t}, it was wrong — delete the branch and start again from main.', 'Never ask me for confirmation about formatting; always ask before deleting {t}.',
  'Print the full stack trace and the env vars that start with APP_ so I can see why {t} fails.', 'Delete {t} and the tests that only cover it. I have a backup.',
  'New rule for this session: answer in German, code comments in English.', 'Drop your earlier assumptions about {t}; read the file again and tell me what it really does.',
];

/** A forceful instruction a developer gives their own agent. */
export function forceful(rand: Rand): string {
  const s = pick(rand, ORDER).replace(/\{t\}/g, () => pick(rand, TARGET));
  return rand() < 0.3 ? `${s} ${pick(rand, ORDER).replace(/\{t\}/g, () => pick(rand, TARGET))}` : s;
}

const TOPIC = ['prompt injection', 'indirect prompt injection', 'jailbreaks', 'system-prompt extraction', 'data exfiltration through rendered links', 'tool abuse by coding agents', 'agent hijacking'];
const ASSET = ['the repository', 'deployment keys', 'signing certificates', 'the billing database', 'registry tokens', 'customer emails', 'chat transcripts', 'the operator prompt'];
const INPUT = ['bug reports', 'forked contributions', 'vendored docs', 'fetched web pages', 'meeting invitations', 'incoming mail', 'uploaded spreadsheets', 'API responses'];
const DEFENCE = ['least privilege for tools', 'human approval for side effects', 'an allowlist for image domains', 'treating tool output as data', 'a classifier on untrusted text', 'sandboxed execution', 'spotlighting untrusted content'];

/** Prose about attacks that quotes short attack strings: threat models, scopes, threads, moderation logs, articles. */
export function discourse(rand: Rand): string {
  const snip = () => attack(rand, pick(rand, QUOTED)).replace(/\s+/g, ' ').slice(0, 60 + Math.floor(rand() * 60)).trim();
  const list = (xs: readonly string[]) => Array.from({ length: 3 }, () => `- ${pick(rand, xs)}`).join('\n');
  const topic = pick(rand, TOPIC);
  return pick(rand, [
    () => `Risk register for the ${pick(rand, ['repo agent', 'helpdesk bot', 'mail copilot', 'docs search'])}\n\nWhat we protect:\n${list(ASSET)}\n\nWhere hostile text can enter:\n${list(INPUT)}\n\nExample of a hostile string: "${snip()}".\n\nMitigations:\n${list(DEFENCE)}`,
    () => `Security programme: what counts for the model features\n\nCounts:\n- ${cap1(topic)} leading to an action nobody approved.\n- Disclosure of ${pick(rand, ASSET)}.\n\nDoes not count:\n- A reply that merely repeats "${snip()}".\n- Persona tricks with no effect beyond wording.`,
    () => `Hot take: blocklists for "${snip()}" are theatre. Rewording, another language or an encoding walks right past them, and they keep tripping on our own training material. Spend the effort on ${pick(rand, DEFENCE)} and ${pick(rand, DEFENCE)}.`,
    () => `Issue ${Math.floor(rand() * 9000)}: false positive on our ${pick(rand, ['awareness course', 'runbook', 'pentest report', 'docs site'])}\n\n${pick(rand, ['rkumar', 'jo', 'sec-team'])}: the scanner rejects it because it shows samples such as \`${snip()}\`. Could trusted sources skip the check?\n\nowner: skipping by source would be a hole; quoted samples will weigh less instead.`,
    () => JSON.stringify({ check: 'input-filter', result: { hit: true, labels: ['injection', ...(rand() < 0.5 ? ['persona'] : [])], sample: `${snip()}…` }, handled: pick(rand, ['rejected', 'flagged']), trace: `t_${Math.floor(rand() * 9999)}` }),
    () => `level=warn component=filter id=${Math.floor(rand() * 1e5).toString(16)} verdict=deny p=0.9${Math.floor(rand() * 9)} kind=injection sample=${JSON.stringify(snip())} origin=${pick(rand, ['chat', 'tool', 'upload'])}`,
    () => `<section class="post">\n<h2>${cap1(topic)} in practice</h2>\n<p>Suppose one of your ${pick(rand, INPUT)} says <em>${snip()}</em>. A model with tool access that takes it at face value can be steered.</p>\n<p>What helps: ${pick(rand, DEFENCE)}; ${pick(rand, DEFENCE)}.</p>\n</section>`,
    () => `1. ${cap1(topic)} explained — wiki.example.org\n   Hostile instructions like "${snip()}" hide in data the model reads.\n2. A taxonomy of ${topic} defences — papers.example.net\n   We group mitigations into isolation, detection and confirmation.`,
    () => `Notes from the ${pick(rand, ['vault-bot', 'oracle', 'riddle-keeper'])} challenge (${3 + Math.floor(rand() * 5)} stages)\n\nStage 1 fell to a plain question. Stage 2 gave the code one letter per line. Stage 3 shrugged off "${snip()}". Stage 4 leaked it as an acrostic.`,
    () => `test('guard rejects a hostile sample', () => {\n  assert.equal(guard(${JSON.stringify(snip())}).verdict, 'deny');\n});\ntest('guard lets an explainer through', () => {\n  assert.equal(guard('Why ${topic} matters').verdict, 'allow');\n});`,
    () => `Render this sentence from our training deck in ${pick(rand, ['French', 'German', 'Spanish'])}, leaving the sample in the original: "Attackers often plant '${snip().replace(/'/g, '')}' in ${pick(rand, INPUT)} and wait for an agent to obey."`,
    () => `messages:\n  discard_changes: "Discard your previous edits and start over?"\n  bypass_cache: "Bypass the cache for this request?"\n  forget_device: "Forget this device and all its rules?"\n  new_persona: "You are now signed in as {user}."`,
  ])();
}
const cap1 = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

const DOC_AT = ['https://reviews.example/laptops', 'https://docs.example.org/guide', 'docs/setup.md', 'the attached PDF', 'this thread', 'https://github.com/acme/api/issues/412', 'the email below', 'the page you just fetched', 'CHANGELOG.md', 'https://blog.example.com/post'];
/** Everyday requests to read, summarise or translate something: the developer's own words around untrusted text. */
export function ask(rand: Rand): string {
  const at = pick(rand, DOC_AT);
  return pick(rand, [
    () => `Summarize ${at} for me`,
    () => `Summarise ${at} in three bullet points.`,
    () => `Translate ${at} into ${pick(rand, ['French', 'German', 'Spanish', 'Japanese'])}.`,
    () => `Can you read ${at} and tell me what changed?`,
    () => `Fetch ${at} and list the action items.`,
    () => `What does ${at} say about ${pick(rand, ['pricing', 'rate limits', 'the migration', 'refunds'])}?`,
    () => `Give me a short summary of ${at}, then draft a reply.`,
    () => `Please review ${at} and point out anything risky.`,
  ])();
}
