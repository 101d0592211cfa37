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
const ASSET = ['source code', 'CI secrets', 'developer SSH keys', 'cloud credentials', 'package publishing tokens', 'customer emails', 'conversation history', 'the system prompt'];
const INPUT = ['issue bodies and comments', 'PR descriptions from forks', 'third-party READMEs', 'web search results', 'calendar invites', 'inbound email', 'PDF attachments', 'tool output'];
const DEFENCE = ['least privilege for tools', 'human approval for side effects', 'an allowlist for image domains', 'treating tool output as data', 'a classifier on untrusted text', 'sandboxed execution', 'spotlighting untrusted content'];

/** Prose about attacks that quotes short attack strings: threat models, scopes, threads, moderation logs, articles. */
export function discourse(rand: Rand): string {
  const snip = () => attack(rand, pick(rand, QUOTED)).replace(/\s+/g, ' ').slice(0, 60 + Math.floor(rand() * 60)).trim();
  const list = (xs: readonly string[]) => Array.from({ length: 3 }, () => `- ${pick(rand, xs)}`).join('\n');
  const topic = pick(rand, TOPIC);
  return pick(rand, [
    () => `Threat model: ${pick(rand, ['autonomous coding agent', 'support chatbot', 'email assistant', 'RAG search'])}\n\nAssets:\n${list(ASSET)}\n\nUntrusted inputs:\n${list(INPUT)}\n\nAttacks considered: ${topic}, e.g. "${snip()}".\n\nControls:\n${list(DEFENCE)}`,
    () => `Bug bounty scope — AI features\n\nIn scope:\n- ${cap1(topic)} that makes the assistant act without consent.\n- Leaks of ${pick(rand, ASSET)}.\n\nOut of scope:\n- Getting the model to say "${snip()}" with no further impact.\n- Jailbreaks that only change tone.`,
    () => `1/ Every week someone ships a filter that blocks "${snip()}". Attackers just rephrase it, translate it or base64 it.\n\n2/ Meanwhile the filter blocks your own security docs.\n\n3/ What works better: ${pick(rand, DEFENCE)} and ${pick(rand, DEFENCE)}.`,
    () => `#${Math.floor(rand() * 9000)} Detector flags our ${pick(rand, ['security docs', 'training slides', 'red-team notes', 'wiki page'])} as attacks\n\n**${pick(rand, ['lmartin', 'kp', 'dev-ana'])}** opened: the page contains example strings like \`${snip()}\` and gets blocked at ingestion. Can we allowlist by source?\n\n**maintainer**: allowlisting by source is risky; we will score quoted examples lower instead.`,
    () => JSON.stringify({ moderation: { flagged: true, categories: { prompt_injection: true, jailbreak: rand() < 0.5 }, input_excerpt: `...${snip()}...`, action: pick(rand, ['blocked', 'logged']), request_id: `mod_${Math.floor(rand() * 9999)}` } }),
    () => `[guardrail] 2026-0${1 + Math.floor(rand() * 9)}-1${Math.floor(rand() * 9)}T22:41:07Z request_id=${Math.floor(rand() * 1e5).toString(16)} blocked=true score=0.9${Math.floor(rand() * 9)} category=prompt_injection excerpt="...${snip()}..." source=${pick(rand, ['user', 'tool_result', 'document'])}`,
    () => `<article>\n<h1>Understanding ${topic}</h1>\n<p>Imagine ${pick(rand, INPUT)} containing the sentence <q>${snip()}</q>. If your assistant reads it and has tools, it might act on it.</p>\n<p>Defences: ${pick(rand, DEFENCE)}, ${pick(rand, DEFENCE)}.</p>\n</article>`,
    () => JSON.stringify([{ title: `What is ${topic}?`, url: 'https://owasp.org/www-project-top-10-for-large-language-model-applications/', snippet: `Attackers place text such as "${snip()}" in content the model reads...` }, { title: `${cap1(topic)}: a survey`, url: 'https://arxiv.org/abs/2402.00000', snippet: 'We categorise attacks and defences...' }]),
    () => `# ${pick(rand, ['Gandalf', 'Leaky Butler', 'Prompt Golf'])} — levels 1–${3 + Math.floor(rand() * 5)} writeup\n\nLevel 1: just ask for the password. Level 2: asking it to spell the password with dashes works. Level 3: I tried "${snip()}" and the bot refused. Level 4: a poem whose lines start with the letters of the secret got through.`,
    () => `describe('injection classifier', () => {\n  it('flags an obvious override', () => {\n    expect(classify(${JSON.stringify(snip())})).toBe('attack');\n  });\n  it('does not flag a security article', () => {\n    expect(classify('How to defend against ${topic}')).toBe('benign');\n  });\n});`,
    () => `Please translate this paragraph from our security blog into ${pick(rand, ['French', 'German', 'Spanish'])}, keeping the quoted attack string in English: "A common attack on ${pick(rand, INPUT)} reads '${snip().replace(/'/g, '')}' and hopes the agent complies."`,
    () => `override_confirm: "Override the default settings for {project}?"\nreset_prompt: "This will reset all instructions for the assistant. Continue?"\nadmin_only: "Only admins can change this."\nignore_warning: "Ignore this warning for the rest of the session?"`,
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
