import type { Spot } from './hidden.js';

/**
 * Indirect injection in plain sight: a fetched page, an email, a PDF's text, a commit message
 * or a code comment that turns to the model ("Note to AI agents: …", "Assistant, when you
 * process this email …", "[SYSTEM] new instruction for the assistant: …") and asks for
 * something the user did not: to ignore them, to act covertly, or to move secrets out.
 * Guidance for assistants is common and benign (AGENTS.md: "AI agents: run pnpm test"), so
 * being addressed is not enough: the words that follow must be covert or exfiltrating.
 */

/**
 * Where an address to the model may be, found by the detector's anchor pass: the model named
 * before a colon, comma or bracket, or the words that open a note to it. A bare "agent" or
 * "LLM" is everywhere in an AI developer's code; these forms are rare outside an address.
 */
export const ADDRESS_ANCHORS = [
  'ai:', 'ai,', 'ai)', 'ais:', 'assistant:', 'assistant,', 'assistant)', 'assistants:', 'assistants,', 'agent:', 'agent,', 'agent)', 'agents:', 'agents,',
  'llm:', 'llm,', 'llms:', 'llms,', 'bot:', 'bot,', 'bots:', 'bots,', 'chatbot:', 'copilot:', 'copilot,', 'copilot)', 'chatgpt:', 'chatgpt,', 'claude:', 'claude,',
  'gemini:', 'gemini,', 'codex:', 'codex,', 'ki:', 'ki,', 'ia:', 'ia,', 'assistenten:', 'assistants ia',
  'note to', 'note for', 'notes for', 'notice to', 'notice for', 'instruction for', 'instructions for', 'instruction to', 'instructions to', 'message to', 'message for',
  'hint for', 'reminder for', 'hinweis', 'für ki', 'pour l', 'para la ia', 'para el asistente', 'dear ', 'attention', 'if you are', "if you're",
  'when an', 'when the ai', 'when the assistant', 'when the agent', 'when the llm', 'whenever', 'todo(', 'todo (', 'system]', 'system notice', 'system message', 'system override', 'system alert', 'system instruction', 'system:',
];

// How the model is named: an AI noun, alone or after a qualifier ("AI coding assistant", "review bots").
const AI_NOUN =
  '(?:ai|a\\.i\\.|llms?|language\\s+models?|assistants?|agents?|chatbots?|bots?|copilot|chatgpt|claude|gemini|codex|ki|ia|(?:screening|review|grading|hiring)\\s+system)';
// Forms of address: a note for the model, a salutation, the model named before a colon, a conditional on being one.
const ADDRESS = new RegExp(
  [
    `\\b(?:note|notice|message|instructions?|hint|reminder|directive|hinweise?|anweisungen|consignes?|instrucciones|nota)\\s+(?:to|for|für|an|pour|para|per)\\s+(?:the\\s+|any\\s+|all\\s+|die\\s+|les\\s+|la\\s+|el\\s+|los\\s+)?(?:[a-z]{2,12}\\s+){0,2}${AI_NOUN}\\b`,
    `\\b(?:dear|hey|hi|hello|attention)\\s+(?:[a-z]{2,12}\\s+){0,2}${AI_NOUN}\\b`,
    `\\b${AI_NOUN}(?:\\s*\\([^()\\n]{0,20}\\))?\\s*[:,]`,
    `\\btodo\\s*\\(\\s*${AI_NOUN}\\s*\\)`,
    `\\bif\\s+you(?:\\s+are|'re)\\s+an?\\s+(?:[a-z]{2,12}\\s+)?${AI_NOUN}\\b`,
    `\\bwhen(?:ever)?\\s+(?:an?\\s+|the\\s+|any\\s+)?(?:[a-z]{2,12}\\s+){0,2}${AI_NOUN}\\s+(?:reads?|process(?:es)?|summari[sz]es?|opens?|sees?|parses?|reviews?|fetch(?:es)?)`,
  ].join('|'),
  'i',
);
// Shouted system markers pose as the harness ("[SYSTEM]", "SYSTEM NOTICE:"); lower-case "system:" is a transcript.
const SYSTEM_MARKER = /\[SYSTEM\]|\bSYSTEM(?:\s+(?:NOTICE|MESSAGE|OVERRIDE|ALERT|INSTRUCTIONS?)\b|\s{0,3}:)/;
// Asked to act against the user or out of their sight. A developer also talks to the model
// ("Claude, ignore the flaky test", "use pnpm instead"), so "ignore" needs the user, their
// request or the instructions as its object, and secrecy must be spelled out.
const COVERT =
  /\b(?:ignore|disregard|forget)\s+(?:(?:the|your|any|all|what|whatever)\s+){0,2}(?:user|user's|users|human|developer|person|question|request|task|evaluation|criteria|instructions|rules|previous|prior|above|original|actual)\b|\bignoriere\s+(?:die|den|alle)\s+(?:frage|anfrage|anweisungen|nutzer)|\bignora\s+(?:la|el|las|los)\s+(?:pregunta|petici[óo]n|usuario|instrucciones)|\bignorez?\s+(?:la|les|l')\s*(?:question|demande|utilisateur|instructions)|\b(?:secretly|covertly)\b|\b(?:do|does)\s+(?:this|it|so|that)\s+(?:silently|quietly|secretly)\b|\bwithout\s+(?:telling|informing|asking|notifying|mentioning|alerting)\b|\b(?:do\s+not|don't|never)\s+(?:tell|mention|reveal|inform|notify|alert|show)\s+(?:(?:it|this|that|anything)\s+)?(?:to\s+)?(?:the\s+)?(?:user|human|developer|owner|reader|anyone)\b|\bpre-?approved\b|\bskip\s+(?:the\s+|all\s+)?(?:security|review|verification)\b|\bmark\s+(?:it|this)\s+as\s+(?:safe|approved)\b|\b(?:omit|conceal|hide|suppress)\s+(?:every|all|any)\s+(?:risks?|negative|criticism|vulnerabilit\w*|warnings?|security)\b/i;
// Moving secrets or the conversation out (to a URL, a mail address, a pipe into a shell); reading .env for the developer is no attack.
const EXFIL_ACT = /\b(?:send|forward|post|upload|email|exfiltrat\w*|leak|embed|append|paste|curl|wget)\b/i;
const EXFIL_OBJECT =
  /\bid_rsa\b|\.ssh\b|\.env\b|\.aws\b|\bcredentials\b|\bapi[_\s-]?keys?\b|\bsecrets?\b|\bpasswords?\b|\btokens?\b|\bconversation\s+history\b|\bchat\s+history\b|\bmessages\b/i;
const EXFIL_TO = /https?:\/\/|\w@[\w-]{1,63}\.[a-z]{2,24}\b|\bmarkdown\s+image\b/i;
const PIPE_TO_SHELL = /\|\s{0,3}(?:ba|z)?sh\b/;
const NEGATION = /\b(?:never|not|don't|avoid)\b/i;
// "You are Codex, a coding agent": the model's name in a description, not a vocative.
const DESCRIBED = /\b(?:are|am|is|as|like|called|named|for|with|the|an?)\s{1,3}$/i;

const REACH_BACK = 80;
const BODY = 300;

/** What an address asks for: covert or exfiltrating acts score, benign guidance does not. */
function demand(body: string, phraseHit: (t: string) => boolean): number {
  if (phraseHit(body)) return 0.75;
  if (COVERT.test(body)) return 0.65;
  if (NEGATION.test(body)) return 0;
  if (PIPE_TO_SHELL.test(body)) return 0.6;
  return EXFIL_ACT.test(body) && EXFIL_OBJECT.test(body) && EXFIL_TO.test(body) ? 0.6 : 0;
}

/** Spots where the text addresses the model and asks it to act against the user; `at` are address-anchor positions. */
export function addressedSpots(text: string, at: readonly number[], phraseHit: (t: string) => boolean): Spot[] {
  const out: Spot[] = [];
  let doneTo = -1;
  for (const pos of at) {
    if (pos < doneTo) continue;
    const from = Math.max(0, pos - REACH_BACK);
    const near = text.slice(from, Math.min(text.length, pos + REACH_BACK));
    const m = ADDRESS.exec(near) ?? SYSTEM_MARKER.exec(near);
    if (!m) continue;
    const start = from + m.index;
    if (DESCRIBED.test(text.slice(Math.max(0, start - 12), start))) continue;
    // The request is what follows the address, up to a blank line.
    let end = Math.min(text.length, start + m[0].length + BODY);
    const para = text.indexOf('\n\n', start + m[0].length);
    if (para >= 0 && para < end) end = para;
    doneTo = end;
    const score = demand(text.slice(start, end), phraseHit);
    // The finding is the address and its line: what a redaction removes, and no more.
    const nl = text.indexOf('\n', start + m[0].length);
    if (score > 0) out.push({ start, end: nl >= 0 && nl < end ? nl : end, score });
  }
  return out;
}

export const ADDRESSED_PATTERNS: readonly RegExp[] = [ADDRESS, SYSTEM_MARKER, COVERT, EXFIL_ACT, EXFIL_OBJECT, EXFIL_TO, PIPE_TO_SHELL, NEGATION, DESCRIBED];
