/**
 * Who a text speaks to, and in what mood: the dense features of the cascade's second stage
 * (learned.ts), shared by training and inference so the two cannot drift. Hashed n-grams see
 * the same words in an attack and in a write-up about one; these features see the difference
 * that matters: an imperative addressed to the AI reading the text ("the assistant should",
 * "AI agents reading this", "when summarising this page, also …"), second person toward
 * the reader rather than toward a colleague, an act that changes the reader's task
 * (send, run, reveal, disregard) with its object, and a text that describes before it
 * commands. They are read only on windows near a bar, so their regexes cost little.
 */

// An AI reader named: a noun for it, with or without an article or a qualifier.
const AI = String.raw`(?:ai|a\.i\.|llms?|language\s+models?|assistants?|agents?|chatbots?|bots?|copilot|chatgpt|claude|gpt|gemini|codex|models?|summari[sz]ers?|crawlers?|automated\s+(?:readers?|systems?|tools?|reviewers?))`;
const AI_NOUN = new RegExp(String.raw`\b${AI}\b`, 'gi');
// The AI told what it should do: "the assistant should", "any AI must", "agents are required to".
const AI_MODAL = new RegExp(String.raw`\b${AI}\s+(?:\w+\s+){0,3}?(?:should|must|shall|will\s+now|needs?\s+to|has\s+to|have\s+to|is\s+(?:required|instructed|expected|asked|to)|are\s+(?:required|instructed|expected|asked|to))\b`, 'gi');
// The AI called on: at the start of a sentence or after a salutation, before a comma or colon.
const AI_VOCATIVE = new RegExp(String.raw`(?:^|[.!?\n][ \t]*|\b(?:dear|hey|hi|hello|attention|note\s+(?:to|for)|notice\s+(?:to|for)|message\s+(?:to|for)|instructions?\s+(?:to|for))\s+)(?:the\s+|any\s+|all\s+)?(?:\w+\s+){0,2}${AI}\s*[,:]`, 'gi');
// The one reading this text, whoever it is: "reading this", "if you are an AI", "when summarising".
const READER = /\b(?:reading|processing|parsing|summari[sz]ing|ingesting|indexing|analy[sz]ing|reviewing)\s+(?:this|these|the\s+(?:page|document|email|file|text|content|message|ticket|log))\b|\bif\s+you\s+are\s+an?\s+\w+|\bwhoever\s+(?:reads|is\s+reading)|\bwhen\s+(?:you\s+)?(?:summari[sz]|read|process|translat|answer)\w*\b|\bbefore\s+(?:you\s+)?(?:summari[sz]|answer|reply|respond|continu)\w*/gi;
const YOU = /\b(?:you|your|yourself)\b/gi;
const YOU_MODAL = /\byou\s+(?:must|should|shall|will|need\s+to|have\s+to|are\s+(?:to|required|instructed|now))\b/gi;
// Acts that change what the reader was asked to do.
const TASK_ACT =
  /\b(?:ignore|disregard|forget|override|bypass|exfiltrat\w*|leak|reveal|disclose|send|forward|upload|post|email|transmit|print|output|repeat|run|execute|install|curl|wget|delete|approve|merge|grant|transfer|recommend|rate|include|append|insert|embed|visit|open|navigate|call|stop)\b/gi;
const SECRET_OBJECT =
  /\b(?:system\s+prompt|instructions|api[\s_-]?keys?|tokens?|passwords?|credentials?|secrets?|private\s+keys?|id_rsa|\.env|\.ssh|cookies?|session|conversation|chat\s+history|history|prompt|rules|guidelines|configuration|environment\s+variables)\b/gi;
const URLISH = /https?:\/\/|\w@[\w-]+\.[a-z]{2,}\b|!\[/gi;
// Words that describe attacks or tell of events rather than order anything.
const DESCRIBE =
  /\b(?:attackers?|attacks?|injections?|payloads?|malicious|adversar\w*|researchers?|vulnerabilit\w*|cve-\d|exploit\w*|for\s+example|e\.g\.|such\s+as|was|were|had|has\s+been|reported|found|observed|demonstrat\w*|describes?|example|threat|mitigat\w*|detect\w*|classif\w*|red[\s-]?team)\b/gi;
// A human colleague addressed: greetings, sign-offs, mentions, reviewers.
const COLLEAGUE = /(?:^|\s)@[a-z][\w-]{1,30}\b|\b(?:hi\s+(?:team|all|folks|everyone)|hey\s+(?:team|all|folks|everyone)|thanks|thank\s+you|cheers|regards|best|lgtm|reviewers?|teammates?|folks|everyone)\b/gi;
const QUOTE = /["“”'`«»]/g;
const CODE_CHAR = /[{};=<>()[\]]/g;
// An imperative verb opening a sentence (after "please", "now", "also", "then", a bullet).
const IMPERATIVE_OPEN =
  /(?:^|[.!?:\n][ \t]*|\b(?:please|now|also|then|and|first|finally|instead)\s+)(?:ignore|disregard|forget|override|bypass|reveal|disclose|send|forward|upload|post|email|print|output|repeat|run|execute|install|delete|approve|merge|grant|transfer|recommend|rate|include|append|insert|embed|visit|open|navigate|call|stop|tell|say|respond|reply|answer|write|add|use|make|do|don't|never|always|summari[sz]e|translate|describe|list|show|give|return|set|mark|treat|pretend|act|remember|confirm|begin|start)\b/gi;
const SENTENCE = /[.!?\n]+/g;

const count = (re: RegExp, text: string) => {
  re.lastIndex = 0;
  let n = 0;
  while (re.exec(text) !== null) n++;
  return n;
};
const first = (re: RegExp, text: string) => {
  re.lastIndex = 0;
  const m = re.exec(text);
  return m === null ? -1 : m.index;
};
const squash = (n: number) => Math.log1p(n);

/** Names of the features, in the order `moodFeatures` returns them. */
export const MOOD_FEATURES = [
  'ai_noun', 'ai_modal', 'ai_vocative', 'reader', 'you', 'you_modal', 'task_act', 'secret_object', 'urlish', 'describe', 'colleague', 'quotes', 'code',
  'imperative_open', 'imperative_share', 'addressed_command', 'act_and_object', 'describe_then_command', 'describe_only', 'length',
] as const;

/** The dense features of one window of text; every value is small (log counts, shares, 0/1). */
export function moodFeatures(text: string): number[] {
  const n = text.length || 1;
  const ai = count(AI_NOUN, text);
  const aiModal = count(AI_MODAL, text);
  const vocative = count(AI_VOCATIVE, text);
  const reader = count(READER, text);
  const you = count(YOU, text);
  const youModal = count(YOU_MODAL, text);
  const act = count(TASK_ACT, text);
  const secret = count(SECRET_OBJECT, text);
  const url = count(URLISH, text);
  const describe = count(DESCRIBE, text);
  const colleague = count(COLLEAGUE, text);
  const quotes = count(QUOTE, text);
  const code = count(CODE_CHAR, text);
  const imperative = count(IMPERATIVE_OPEN, text);
  const sentences = count(SENTENCE, text) + 1;
  const addressed = aiModal + vocative + reader + youModal > 0 ? 1 : 0;
  // Where the commanding starts, against where describing starts: a page that turns to its reader.
  const command = Math.min(...[first(AI_MODAL, text), first(AI_VOCATIVE, text), first(YOU_MODAL, text), first(IMPERATIVE_OPEN, text)].filter((i) => i >= 0), Infinity);
  const described = first(DESCRIBE, text);
  return [
    squash(ai),
    squash(aiModal),
    squash(vocative),
    squash(reader),
    squash(you),
    squash(youModal),
    squash(act),
    squash(secret),
    squash(url),
    squash(describe),
    squash(colleague),
    Math.min(1, (quotes * 40) / n),
    Math.min(1, (code * 10) / n),
    squash(imperative),
    Math.min(1, imperative / sentences),
    addressed * (act > 0 ? 1 : 0),
    act > 0 && (secret > 0 || url > 0) ? 1 : 0,
    described >= 0 && command !== Infinity && described < command ? 1 : 0,
    describe > 0 && command === Infinity ? 1 : 0,
    Math.min(1, n / 512),
  ];
}

export const MOOD_PATTERNS: readonly RegExp[] = [AI_NOUN, AI_MODAL, AI_VOCATIVE, READER, YOU, YOU_MODAL, TASK_ACT, SECRET_OBJECT, URLISH, DESCRIBE, COLLEAGUE, QUOTE, CODE_CHAR, IMPERATIVE_OPEN, SENTENCE];
