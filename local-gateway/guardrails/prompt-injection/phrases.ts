/**
 * The phrases of prompt injection, per category and language, with a weight each: how
 * likely the phrase alone is an attack rather than a developer talking about one. Context
 * (code, quotes, tool output) moves the score later; see `score.ts`.
 *
 * Every pattern must stay linear-time in V8 (bounded repeats, no nested unbounded ones):
 * `phrases.test.ts` proves each with recheck. `\b` is ASCII-only in JS, so it only stands
 * next to ASCII letters; CJK and Cyrillic phrases need no word boundary.
 */

export type PhraseCategory = 'instruction_override' | 'roleplay_jailbreak' | 'system_prompt_extraction';
export const LANGUAGES = ['en', 'es', 'fr', 'de', 'pt', 'it', 'zh', 'ja', 'ru', 'ko'] as const;
export type Language = (typeof LANGUAGES)[number];

export interface Phrase {
  category: PhraseCategory;
  lang: Language;
  weight: number;
  source: string;
  /** The anchors to find it by, when the ones written in the pattern are common words (a "prompt" in every file) but the phrase has rarer ones. Every match must contain one. */
  anchors?: readonly string[];
}

const p = (category: PhraseCategory, lang: Language, weight: number, source: string, anchors?: readonly string[]): Phrase => ({ category, lang, weight, source, ...(anchors && { anchors }) });
const O = 'instruction_override';
const R = 'roleplay_jailbreak';
const X = 'system_prompt_extraction';

const EN_QUAL = 'previous|prior|above|earlier|preceding|former|original|initial|system|existing|safety|given|developer|content|ethical|moral|old';
// Instructions and rules are the attack's object; "ignore the previous messages" is often a developer resetting the chat.
const EN_NOUN = 'instructions?|prompts?|directions?|directives?|rules|guidelines|guidance|commands?|orders|constraints|restrictions|policies|programming|training|filters';
const EN_SOFT_NOUN = 'context|messages?|conversation|answers?|responses?';
const EN_SPILL = 'repeat|print|reveal|show|display|output|tell|give|write|share|leak|dump|recite|disclose|expose|echo|copy|type|list|provide|summari[sz]e|spell\\s+out|tl;?dr|paraphrase|restate|reproduce|quote|translate';

export const PHRASES: readonly Phrase[] = [
  // English: instruction override
  p(O, 'en', 0.75, `\\b(?:ignore|disregard|forget|skip|override|bypass|discard|abandon|neglect)\\s+(?:(?:all|any|every|the|your|of|these|those|everything|other)\\s+){0,3}(?:(?:${EN_QUAL})\\s+){1,2}(?:${EN_NOUN})\\b`),
  p(O, 'en', 0.45, `\\b(?:ignore|disregard|forget|discard)\\s+(?:(?:all|any|every|the|your|of|these|those|everything|other)\\s+){0,3}(?:(?:${EN_QUAL})\\s+){1,2}(?:${EN_SOFT_NOUN})\\b`),
  p(O, 'en', 0.7, `\\b(?:ignore|disregard|forget)\\s+(?:(?:all|everything|anything|whatever|the|of|what|text|instructions)\\s+){0,3}(?:above|before\\s+this|said\\s+before|previously\\s+said|you(?:'ve|\\s+have)\\s+been\\s+told)\\b`),
  p(O, 'en', 0.7, `\\b(?:do\\s+not|don't|stop)\\s+(?:follow(?:ing)?|obey(?:ing)?)\\s+(?:your\\s+(?:(?:previous|prior|original|system|initial)\\s+)?|(?:the|any)\\s+(?:previous|prior|original|system|initial)\\s+)(?:instructions|rules|guidelines|system\\s+prompt)\\b`),
  p(O, 'en', 0.65, `\\b(?:your|the|all)\\s+(?:previous|prior|original|old|earlier)\\s+(?:instructions|system\\s+prompt|prompt|rules|guidelines)\\s+(?:are|were|is|was|has\\s+been|have\\s+been)\\s+(?:now\\s+)?(?:void|null|cancel+ed|revoked|replaced|overridden|superseded|obsolete|deleted|no\\s+longer)`),
  p(O, 'en', 0.45, `\\bnew\\s+(?:system\\s+(?:prompt|message)|(?:system\\s+)?(?:instructions|directives))\\s*:`),
  p(O, 'en', 0.7, `\\byou\\s+are\\s+no\\s+longer\\s+(?:bound|restricted|limited|constrained|an?\\s+(?:ai|assistant|language\\s+model|chatbot)|chatgpt|claude)\\b`),
  p(O, 'en', 0.35, `\\byou\\s+are\\s+no\\s+longer\\b`),
  p(O, 'en', 0.6, `\\b(?:ignore|disregard|forget|override|bypass)\\s+(?:all\\s+)?(?:of\\s+)?your\\s+(?:own\\s+)?(?:instructions|guidelines|rules|programming|directives|system\\s+prompt|training|restrictions|policies|safety\\s+(?:rules|guidelines|training|filters))\\b`),
  p(O, 'en', 0.65, `\\b(?:ignore|disregard|bypass|forget)\\s+(?:all\\s+|any\\s+|the\\s+)?(?:openai|anthropic|content|safety|usage|ethical)(?:'s)?\\s+(?:policies|policy|guidelines|rules|filters|restrictions)\\b`),
  // Paraphrases that name the instructions by where they came from rather than "previous".
  p(O, 'en', 0.7, `\\b(?:ignore|disregard|forget|set\\s+aside|put\\s+aside|throw\\s+out|abandon|discard)\\s+(?:(?:all|any|every|the|of|whatever|these|those)\\s+){0,3}(?:[a-z]{2,15}\\s+)?(?:${EN_NOUN}|criteria)\\s+(?:that\\s+)?(?:you\\s+were\\s+(?:told|given|configured|programmed|trained|instructed|provided)|you(?:'ve|\\s+have)\\s+been\\s+(?:told|given|configured|programmed|trained|instructed|provided)|your\\s+(?:developers?|creators?|operators?|makers?|owners?|admins?|administrators?)\\s+(?:gave|set|wrote|provided))`, ['you were', "you've been", 'you have been', 'your developer', 'your creator', 'your operator', 'your maker', 'your owner', 'your admin']),
  p(O, 'en', 0.7, `\\b(?:ignore|disregard|forget|set\\s+aside)\\s+(?:everything|anything|whatever|all)\\s+(?:that\\s+)?(?:you\\s+were\\s+told|you\\s+were\\s+given|you\\s+were\\s+instructed|you\\s+have\\s+been\\s+told|you've\\s+been\\s+told)`, ['you were', "you've been", 'you have been']),
  p(O, 'en', 0.65, `\\b(?:your|the|all)\\s+(?:(?:previous|prior|original|old|earlier|initial|existing|current)\\s+)?(?:instructions|directives|guidance|guidelines|rules|constraints|restrictions|system\\s+prompt|programming)\\s+(?:(?:you\\s+(?:received|were\\s+given|got|had)|from\\s+(?:before|earlier))\\s+)?(?:(?:earlier|before|previously)\\s+)?(?:are|were|is|was|has\\s+been|have\\s+been)\\s+(?:now\\s+)?(?:outdated|obsolete|suspended|lifted|revoked|overridden|superseded|no\\s+longer\\s+(?:valid|apply|applies|in\\s+effect|relevant))`, ['outdated', 'obsolete', 'suspended', 'lifted', 'revoked', 'superseded', 'overridden', 'no longer']),
  p(O, 'en', 0.65, `\\b(?:supersede|supersedes|take\\s+precedence\\s+over|takes\\s+precedence\\s+over)\\s+(?:(?:all|any|the|your)\\s+){0,2}(?:previous|prior|earlier|original|old|system|initial)\\s+(?:ones|instructions|directives|rules|prompts?|guidelines)`, ['supersede', 'precedence over']),
  p(O, 'en', 0.35, `\\bfrom\\s+now\\s+on,?\\s+(?:you\\s+(?:are|will|must|shall)|ignore|respond\\s+only|act\\s+as|answer\\s+only)\\b`),
  p(O, 'en', 0.35, `\\b(?:ai|assistants?|agents?|llms?|models?|chatgpt|claude|copilot)[:,]\\s{0,3}(?:you\\s+must|ignore|disregard|do\\s+not|instead|always|never)\\b`),
  // English: role-play jailbreaks
  p(R, 'en', 0.8, `\\bdo\\s+anything\\s+now\\b`),
  p(R, 'en', 0.6, `\\b(?:you\\s+are|act\\s+as|become|you're|pretend\\s+to\\s+be)\\s+(?:now\\s+)?(?:a\\s+|the\\s+)?DAN\\b`),
  p(R, 'en', 0.7, `\\b(?:jailbreak|jailbroken|unrestricted|unfiltered|uncensored|evil|dan|no[\\s-]?limits?)\\s+mode\\b`),
  p(R, 'en', 0.45, `\\b(?:god|chaos|opposite|sudo)\\s+mode\\b`),
  p(R, 'en', 0.7, `\\byou\\s+(?:are|will\\s+be|'re)\\s+(?:now\\s+)?(?:in|running\\s+in|operating\\s+in)\\s+(?:developer|dev)\\s+mode\\b`),
  p(R, 'en', 0.7, `\\b(?:chatgpt|gpt|claude|assistant|ai|model)\\s+with\\s+developer\\s+mode\\b`),
  p(R, 'en', 0.45, `\\bdeveloper\\s+mode\\s+(?:enabled|activated|output|response)\\b`),
  p(R, 'en', 0.7, `\\b(?:pretend|imagine|suppose)\\s+(?:that\\s+)?(?:you\\s+)?(?:are|have|to\\s+be|you're)\\b[^.\\n]{0,40}?\\b(?:no|without|free\\s+(?:of|from))\\s+(?:any\\s+)?(?:restrictions|limits|limitations|filters|rules|guidelines|censorship|boundaries|constraints|ethics|morals|policies)\\b`),
  p(R, 'en', 0.7, `\\b(?:act|behave|respond|roleplay|role-play)\\s+(?:as|like)\\s+(?:an?\\s+|the\\s+)?(?:unfiltered|uncensored|unrestricted|unaligned|unethical|amoral|evil|jailbroken|rogue)\\b`),
  p(R, 'en', 0.45, `\\b(?:no|without|free\\s+(?:of|from))\\s+(?:any\\s+)?(?:ethical|moral|content|safety)\\s+(?:restrictions|guidelines|filters|limits|limitations|constraints|policies|policy|boundaries)\\b`),
  p(R, 'en', 0.65, `\\byou\\s+(?:have\\s+been|are\\s+now|are)\\s+(?:freed|liberated|unshackled|jailbroken|free\\s+from\\s+(?:your|all|any|the))\\b`),
  p(R, 'en', 0.7, `\\b(?:pretend|imagine|suppose)\\s+(?:that\\s+)?(?:you\\s+are|you're|you\\s+were|to\\s+be)\\s+(?:now\\s+)?(?:an?\\s+|the\\s+)?(?:unrestricted|unfiltered|uncensored|unaligned|jailbroken|amoral|unethical)\\s+(?:ai|model|language\\s+model|llm|assistant|chatbot|version)`),
  p(R, 'en', 0.5, `\\b(?:without|never\\s+(?:been\\s+)?(?:given|had|received)|no)\\s+(?:any\\s+)?(?:safety|alignment|ethics)\\s+(?:training|tuning|alignment)`, ['training', 'tuning', 'alignment']),
  p(R, 'en', 0.6, `\\b(?:ai|model|assistant|chatbot|bot|llm)\\s+(?:called\\s+\\w{1,20}\\s+)?(?:that|which|who)\\s+(?:has\\s+)?(?:escaped\\s+its|escaped\\s+their|escaped\\s+all|escaped\\s+any|escaped\\s+the|broken\\s+free\\s+of|broken\\s+free\\s+from|shed\\s+its|got\\s+rid\\s+of)\\s+(?:(?:its|their|all|any|the)\\s+)?(?:alignment|restrictions|guidelines|filters|rules|programming|safety|shackles|constraints)`, ['escaped its', 'escaped their', 'escaped all', 'escaped any', 'escaped the', 'broken free', 'shed its', 'got rid of']),
  p(R, 'en', 0.55, `\\b(?:act|pretend|roleplay|role-play)\\s+(?:as|to\\s+be)\\s+(?:my\\s+late|my\\s+deceased|my\\s+dead)\\s+(?:grand(?:ma|mother|pa|father)|mother|father|mom|dad|uncle|aunt)`, ['my late', 'my deceased', 'my dead']),
  p(R, 'en', 0.5, `\\b(?:evil\\s+twin|your\\s+opposite|alter\\s+ego|shadow\\s+self)\\s+(?:who|that|which)\\s+(?:has\\s+no|ignores|doesn't\\s+follow|does\\s+not\\s+follow)\\b`, ['evil twin', 'your opposite', 'alter ego', 'shadow self']),
  p(R, 'en', 0.4, `\\bstay\\s+in\\s+character\\b`),
  // English: system prompt extraction
  p(X, 'en', 0.75, `\\b(?:${EN_SPILL})\\s+(?:out\\s+)?(?:me\\s+|us\\s+)?(?:back\\s+)?(?:(?:all|of|the|exact|full|entire|complete|original|hidden|initial|secret|first|text|contents?|words)\\s+){0,4}your\\s+(?:(?:initial|original|exact|full|complete|hidden|secret|system|first|entire|current)\\s+){0,3}(?:instructions|prompt|rules|guidelines|directives|configuration)\\b`),
  p(X, 'en', 0.4, `\\b(?:${EN_SPILL})\\s+(?:me\\s+|us\\s+)?(?:back\\s+)?(?:(?:all|of|the|exact|full|entire|complete|original|hidden|initial|secret|first)\\s+){0,3}(?:system|hidden|initial|secret|internal|original|developer)[\\s-]?(?:prompt|message|instructions)s?\\b`),
  p(X, 'en', 0.45, `\\b(?:repeat|print|output|reveal|show|display|recite|write\\s+out|copy|echo)\\s+(?:(?:all|the|of|everything|every|text|words?|content|lines?|messages?)\\s+){0,3}(?:above|before\\s+this)\\b`),
  p(X, 'en', 0.6, `\\b(?:${EN_SPILL})\\s+(?:everything|all|the\\s+text|whatever|all\\s+the\\s+text)\\s+(?:that\\s+)?(?:(?:appears|is|was|comes|came|sits)\\s+)?(?:written\\s+)?(?:before\\s+my|before\\s+this|before\\s+the\\s+user's|above\\s+my|prior\\s+to\\s+my)\\s+(?:first\\s+)?(?:message|question|prompt|request)`, ['before my', 'before this', "before the user's", 'above my', 'prior to my']),
  p(X, 'en', 0.35, `\\b(?:repeat|print|output|write|recite|copy)\\s+(?:(?:all|the|of|everything|every|text|words?|content|lines?|messages?)\\s+){0,3}(?:above|before\\s+this)\\s+start(?:ing)?\\s+with\\s+(?:the\\s+(?:phrase|words?)\\s+)?["'“]?you\\s+are\\b`, ['start with', 'starting with']),
  p(X, 'en', 0.3, `\\bstart(?:ing)?\\s+with\\s+["'“]?you\\s+are\\b`),
  p(X, 'en', 0.75, `\\b(?:${EN_SPILL})\\s+(?:me\\s+|us\\s+)?your\\s+(?:(?:hidden|secret|original|initial|full|exact|entire)\\s+){0,2}system\\s+messages?\\b`),
  p(X, 'en', 0.65, `\\bwhat\\s+(?:is|are|was|were)\\s+(?:in\\s+)?your\\s+(?:(?:initial|original|exact|full|hidden|secret|system|first)\\s+){0,2}(?:system\\s+prompt|prompt|instructions)\\b`),
  p(X, 'en', 0.55, `\\b(?:instructions|prompt|rules|guidelines|directives)\\s+(?:that\\s+)?you\\s+(?:were|have\\s+been|'ve\\s+been)\\s+(?:given|told|initiali[sz]ed\\s+with|provided\\s+with|configured\\s+with|programmed\\s+with)`),
  p(X, 'en', 0.6, `\\b(?:repeat|print|output|dump|show|reveal)\\s+(?:me\\s+)?(?:everything|all)\\s+(?:that\\s+is\\s+)?(?:in|from)\\s+your\\s+(?:context(?:\\s+window)?|memory|conversation\\s+history)`),
  p(X, 'en', 0.25, `\\b(?:verbatim|word\\s+for\\s+word|character\\s+for\\s+character)\\b`),
  // Spanish
  p(O, 'es', 0.75, `\\b(?:ignora|ignore|ignorad|olvida|olvide|olvidad|descarta|descarte|omite|omita)\\s+(?:(?:todas|todos|las|los|tus|sus|mis)\\s+){0,3}(?:instrucciones|indicaciones|[óo]rdenes|reglas|directrices)\\s+(?:anteriores|previas|de\\s+arriba|iniciales|originales)`),
  p(O, 'es', 0.7, `\\b(?:ignora|olvida|ignore|olvide)\\s+todo\\s+lo\\s+(?:anterior|dicho)`),
  p(O, 'es', 0.65, `\\b(?:ignora|olvida|ignore|olvide|descarta)\\s+(?:todas\\s+)?(?:tus|sus)\\s+(?:instrucciones|reglas|indicaciones|directrices)`),
  p(O, 'es', 0.4, `\\bya\\s+no\\s+eres\\b`),
  p(R, 'es', 0.45, `\\b(?:sin|ning[úu]na?)\\s+(?:tipo\\s+de\\s+)?(?:restricciones|filtros|censura|l[íi]mites\\s+[ée]ticos)`),
  p(X, 'es', 0.75, `\\b(?:muestra|mu[ée]strame|revela|rev[ée]lame|repite|imprime|dime|escribe|ense[ñn]a|ens[ée][ñn]ame)\\s+(?:(?:el|la|las|los|tu|tus|su|sus|todas|todo|mensaje|texto)\\s+){0,3}(?:prompt|mensaje|instrucciones|indicaciones)\\s+(?:del\\s+sistema|de\\s+sistema|iniciales|originales|ocultas)`),
  p(X, 'es', 0.7, `\\b(?:muestra|mu[ée]strame|revela|rev[ée]lame|repite|dime)\\s+(?:todas\\s+)?tus\\s+instrucciones`),
  // French
  p(O, 'fr', 0.75, `\\b(?:ignore[zr]?|oublie[zr]?|n[ée]glige[zr]?)\\s+(?:(?:toutes|tous|les|tes|vos|des|mes)\\s+){0,3}(?:instructions|consignes|directives|r[èe]gles|indications)\\s+(?:pr[ée]c[ée]dentes|ant[ée]rieures|ci-dessus|initiales|d'origine)`),
  p(O, 'fr', 0.65, `\\b(?:ignore[zr]?|oublie[zr]?)\\s+(?:toutes\\s+)?(?:tes|vos)\\s+(?:instructions|consignes|r[èe]gles|directives)`),
  p(O, 'fr', 0.7, `\\b(?:ignore[zr]?|oublie[zr]?)\\s+tout\\s+ce\\s+qui\\s+(?:pr[ée]c[èe]de|est\\s+au-dessus|a\\s+[ée]t[ée]\\s+dit)`),
  p(R, 'fr', 0.45, `\\bsans\\s+(?:aucune?\\s+)?(?:restrictions?|filtres?|censure|limites)\\b`),
  p(O, 'fr', 0.4, `\\b(?:tu\\s+n'es|vous\\s+n'[êe]tes)\\s+plus\\b`),
  p(X, 'fr', 0.75, `\\b(?:r[ée]v[èe]le[zr]?|affiche[zr]?|montre[zr]?|r[ée]p[èe]te[zr]?|donne[zr]?|imprime[zr]?)(?:-moi|\\s+moi)?\\s+(?:(?:ton|ta|tes|votre|vos|le|la|les|mot\\s+pour\\s+mot)\\s+){0,3}(?:prompt|message|instructions|consignes)\\s+(?:syst[èe]me|du\\s+syst[èe]me|initiales?|d'origine|cach[ée]es?)`),
  p(X, 'fr', 0.7, `\\b(?:r[ée]v[èe]le[zr]?|affiche[zr]?|montre[zr]?|r[ée]p[èe]te[zr]?|donne[zr]?)(?:-moi|\\s+moi)?\\s+(?:toutes\\s+)?(?:tes|vos)\\s+(?:instructions|consignes)`),
  // German
  p(O, 'de', 0.75, `\\b(?:ignoriere|ignorier|ignorieren\\s+sie|vergiss|vergessen\\s+sie|missachte|missachten\\s+sie)\\s+(?:(?:alle|die|deine|ihre|s[äa]mtliche)\\s+){0,3}(?:vorherigen|bisherigen|obigen|vorigen|fr[üu]heren|vorangegangenen|urspr[üu]nglichen|alten)\\s+(?:Anweisungen|Instruktionen|Befehle|Regeln|Vorgaben|Anordnungen)`),
  p(O, 'de', 0.65, `\\b(?:ignoriere|vergiss|missachte)\\s+(?:alle\\s+)?(?:deine|ihre)\\s+(?:bisherigen\\s+)?(?:Anweisungen|Instruktionen|Regeln|Vorgaben)`),
  p(O, 'de', 0.7, `\\b(?:ignoriere|vergiss)\\s+alles\\s+(?:oben|vorher|bisherige|davor|was\\s+(?:dir|ihnen)\\s+gesagt)`),
  p(R, 'de', 0.45, `\\b(?:keine|ohne)\\s+(?:jegliche\\s+)?(?:Einschr[äa]nkungen|Filter|Zensur)\\b`),
  p(O, 'de', 0.4, `\\b(?:du\\s+bist|sie\\s+sind)\\s+nicht\\s+mehr\\b`),
  p(X, 'de', 0.75, `\\b(?:zeige?|zeigen\\s+sie|gib|geben\\s+sie|wiederhole|wiederholen\\s+sie|verrate|verraten\\s+sie|nenne|drucke|schreibe)\\s+(?:mir\\s+|uns\\s+)?(?:(?:deinen|deine|ihren|ihre|den|die|das|vollst[äa]ndigen|ganzen|genauen|urspr[üu]nglichen)\\s+){0,3}(?:System-?Prompt|Systemnachricht|System-?Anweisungen)`),
  p(X, 'de', 0.7, `\\b(?:zeige?|gib|wiederhole|verrate|nenne)\\s+(?:mir\\s+)?(?:alle\\s+)?(?:deine|ihre)\\s+(?:Anweisungen|Instruktionen)`),
  // Portuguese
  p(O, 'pt', 0.75, `\\b(?:ignore|ignora|ignorem|esque[çc]a|esque[çc]am|desconsidere|desconsidera|descarte)\\s+(?:(?:todas|todos|as|os|suas|tuas|minhas)\\s+){0,3}(?:instru[çc][õo]es|orienta[çc][õo]es|ordens|regras|diretrizes)\\s+(?:anteriores|pr[ée]vias|acima|iniciais|originais)`),
  p(O, 'pt', 0.65, `\\b(?:ignore|esque[çc]a|desconsidere)\\s+(?:todas\\s+)?(?:as\\s+)?(?:suas|tuas)\\s+(?:instru[çc][õo]es|regras|diretrizes)`),
  p(O, 'pt', 0.7, `\\b(?:ignore|esque[çc]a|desconsidere)\\s+tudo\\s+(?:o\\s+que\\s+foi\\s+dito|acima|anterior)`),
  p(R, 'pt', 0.45, `\\bsem\\s+(?:nenhuma\\s+)?(?:restri[çc][õo]es|filtros|censura)`),
  p(O, 'pt', 0.4, `\\bvoc[êe]\\s+n[ãa]o\\s+[ée]\\s+mais\\b`),
  p(X, 'pt', 0.75, `\\b(?:mostre|mostra|revele|revela|repita|repete|imprima|diga|exiba|escreva)(?:-me)?\\s+(?:(?:o|a|as|os|seu|sua|suas|seus|teu|tua|tuas|todas|me)\\s+){0,3}(?:prompt|mensagem|instru[çc][õo]es)\\s+(?:do\\s+sistema|de\\s+sistema|iniciais|originais|ocultas)`),
  p(X, 'pt', 0.7, `\\b(?:mostre|revele|repita|diga)(?:-me)?\\s+(?:todas\\s+)?(?:as\\s+)?suas\\s+instru[çc][õo]es`),
  // Italian
  p(O, 'it', 0.75, `\\b(?:ignora|ignorate|dimentica|dimenticate)\\s+(?:(?:tutte|tutti|le|gli|i|tue|sue)\\s+){0,3}(?:istruzioni|indicazioni|regole)\\s+(?:precedenti|iniziali|sopra)`),
  p(X, 'it', 0.75, `\\b(?:mostra(?:mi)?|rivela(?:mi)?|ripeti|stampa|dimmi)\\s+(?:(?:il|la|le|tuo|tua|tue|i|tuoi)\\s+){0,3}(?:prompt|messaggio|istruzioni)\\s+(?:di\\s+sistema|del\\s+sistema|iniziali)`),
  // Chinese (simplified and traditional)
  p(O, 'zh', 0.75, `(?:忽略|无视|無視|忽视|忽視|忘记|忘記|忘掉|不要理会|不要理會|跳过|跳過|抛弃|拋棄)(?:掉)?(?:你)?(?:之前|以上|上面|上述|先前|前面|此前|原来|原來|原有|所有|全部|一切|的|\\s){1,6}(?:指令|指示|说明|說明|提示|规则|規則|设定|設定|命令|要求|内容|內容)`),
  p(O, 'zh', 0.4, `你(?:现在)?不再是`),
  p(R, 'zh', 0.55, `(?:没有|沒有|无|無)(?:任何)?(?:限制|过滤|過濾|审查|審查)|不受(?:任何)?(?:限制|约束|約束)`),
  p(X, 'zh', 0.75, `(?:显示|顯示|告诉我|告訴我|输出|輸出|打印|重复|重複|泄露|洩露|透露|展示|给我看|給我看|说出|說出|复述|複述|列出)(?:一下)?(?:你的|你们的|您的)?(?:完整|全部|原始|初始|隐藏|隱藏|的|\\s){0,4}(?:(?:系统|系統)(?:提示词|提示詞|提示|指令|消息|訊息|prompt)|(?:初始|原始|隐藏|隱藏)(?:提示词|提示詞|提示|指令|prompt))`),
  p(X, 'zh', 0.65, `(?:你的)?(?:系统|系統)(?:提示词|提示詞|提示|prompt)(?:是什么|是什麼)`),
  p(R, 'es', 0.7, `\\b(?:eres|ser[áa]s|act[úu]a\\s+como|finge\\s+ser)\\b[^.\\n]{0,40}?\\bsin\\s+(?:ning[úu]n\\s+tipo\\s+de\\s+)?(?:restricciones|filtros|censura|l[íi]mites)`),
  p(R, 'fr', 0.7, `\\b(?:tu\\s+es|vous\\s+[êe]tes|agis\\s+comme|fais\\s+semblant\\s+d'[êe]tre)\\b[^.\\n]{0,40}?\\bsans\\s+(?:aucune?\\s+)?(?:restrictions?|filtres?|censure|limites)`),
  p(R, 'pt', 0.7, `\\b(?:voc[êe]\\s+[ée]|voc[êe]\\s+ser[áa]|aja\\s+como|finja\\s+ser)(?=\\s)[^.\\n]{0,40}?\\bsem\\s+(?:nenhuma\\s+)?(?:restri[çc][õo]es|filtros|censura|limites)`),
  p(R, 'it', 0.7, `\\b(?:sei|sarai|agisci\\s+come|fingi\\s+di\\s+essere)\\s+(?:(?:un|una|uno|ora|adesso|il|la)\\s+){0,2}[a-z]{2,20}\\s+senza\\s+(?:alcuna\\s+)?(?:restrizioni|filtri|censura|limiti)`),
  p(X, 'zh', 0.75, `把(?:你的|您的)?(?:系统|系統|初始|原始|隐藏|隱藏)(?:提示词|提示詞|提示|指令|消息|訊息|prompt)[^。\\n]{0,10}?(?:输出|輸出|显示|顯示|告诉|告訴|打印|重复|重複|给我|給我|展示|列出|复述|複述|发给|發給)`),
  // Japanese
  p(O, 'ja', 0.75, `(?:以前|これまで|今まで|前|上記|上|先ほど|最初)の(?:すべての|全ての|全部の)?(?:指示|命令|指令|ルール|プロンプト|設定)(?:を|は)(?:すべて|全て|全部)?(?:無視|忘れ)`),
  p(O, 'ja', 0.7, `(?:すべて|全て)の(?:指示|命令)を(?:無視|忘れ)`),
  p(X, 'ja', 0.75, `(?:システムプロンプト|システム・プロンプト|初期プロンプト|最初の指示|あなたの指示|元の指示)(?:を|の内容を)(?:すべて|全て|そのまま|正確に|一字一句)?(?:表示|教えて|出力|見せて|繰り返|書き出|開示|印刷)`),
  p(R, 'ja', 0.5, `制限(?:の)?(?:ない|なし)|制限を受けない`),
  // Russian
  p(O, 'ru', 0.75, `(?:игнорируй|проигнорируй|забудь|отбрось|не\\s+обращай\\s+внимания\\s+на)(?:те)?\\s+(?:(?:все|всё|свои|твои|ваши|эти)\\s+){0,2}(?:предыдущие|прошлые|прежние|вышеуказанные|вышеприведённые|вышеприведенные|изначальные|исходные|старые)\\s+(?:инструкции|указания|команды|правила|установки)`),
  p(O, 'ru', 0.65, `(?:игнорируй|проигнорируй|забудь)(?:те)?\\s+(?:все\\s+)?(?:свои|твои|ваши)\\s+(?:инструкции|указания|правила)`),
  p(O, 'ru', 0.7, `(?:игнорируй|забудь)(?:те)?\\s+(?:всё|все)\\s+(?:что\\s+было\\s+(?:выше|сказано)|выше|предыдущее)`),
  p(R, 'ru', 0.45, `без\\s+(?:каких-либо\\s+)?(?:ограничений|фильтров|цензуры)`),
  p(O, 'ru', 0.4, `(?:ты|вы)\\s+больше\\s+не\\b`),
  p(X, 'ru', 0.75, `(?:покажи|выведи|повтори|раскрой|напиши|распечатай|скажи|дай)(?:те)?\\s+(?:мне\\s+)?(?:(?:свой|свои|твой|твои|ваш|ваши|весь|полный|исходный)\\s+){0,3}(?:системный\\s+промпт|системное\\s+сообщение|системные\\s+инструкции|системную\\s+подсказку)`),
  p(X, 'ru', 0.7, `(?:покажи|выведи|повтори|раскрой|напиши)(?:те)?\\s+(?:мне\\s+)?(?:все\\s+)?(?:свои|твои|ваши)\\s+(?:инструкции|указания)`),
  // Korean
  p(O, 'ko', 0.75, `이전\\s?(?:의\\s?)?(?:모든\\s?)?(?:지시|지침|명령)(?:을|를|은|는|사항을)?\\s?(?:모두\\s?)?(?:무시|잊어)`),
  p(X, 'ko', 0.75, `시스템\\s?프롬프트(?:를|을)?\\s?(?:보여|출력|알려|공개)`),
];

/**
 * Words at least one of which every phrase contains, cheap to find: a text is only searched
 * with the full patterns near one of these, which keeps a 500 KB code dump to one pass.
 */
export const ANCHORS = [
  'instruc', 'prompt', 'above', 'before this', 'been told', 'no longer', 'from now on', 'anything now', 'pretend', 'unfiltered', 'uncensored',
  'unrestricted', 'unaligned', 'unethical', 'amoral', 'jailbr', 'rogue', 'restriction', 'guideline', 'freed', 'liberated', 'unshackled', 'free from',
  'in character', 'dan', 'in your context', 'from your context', '制限', 'policies', 'content policy', 'usage policy', 'safety', 'ethical', 'moral ', 'censor', 'filters', 'start with', 'starting with', 'imagine', 'suppose', 'verbatim', 'word for word', 'preceding', 'rules', 'directive', 'previous', 'prior', 'said before', 'system message',
  'evil mode', 'dan mode', 'limit mode', 'limits mode', 'god mode', 'chaos mode', 'opposite mode', 'sudo mode', 'developer mode', 'dev mode',
  'ai:', 'ai,', 'assistant:', 'assistant,', 'agent:', 'llm:', 'chatgpt:', 'claude:', 'copilot:',
  'instrucc', 'indicacion', 'órdenes', 'ordenes', 'reglas', 'todo lo', 'ya no eres', 'consignes', 'règles', 'regles', 'tout ce qui', "n'es plus", "n'êtes plus",
  'anweisung', 'befehle', 'vorgaben', 'alles', 'nicht mehr', 'systemnachricht', 'instruç', 'orienta', 'ordens', 'regras', 'diretrizes', 'tudo', 'não é mais', 'nao e mais',
  'restriccion', 'filtros', 'censura', 'límites', 'limites', 'filtre', 'einschr', 'zensur', 'restriç', '限制', '过滤', '過濾', '审查', '審查', '约束', '約束', 'ограничен', 'фильтр', 'цензур',
  'istruzioni', 'indicazioni', 'regole', 'restrizioni', 'filtri',
  'your developer', 'your creator', 'your operator', 'your maker', 'your owner', 'your admin', 'lifted', 'superseded', 'overridden', 'tuning', "before the user's", 'above my', 'prior to my', 'limiti', 'supersede', 'precedence over', 'outdated', 'obsolete', 'revoked', 'suspended',
  'training', 'alignment', 'you were', "you've been", 'you have been', 'before my', 'escaped its', 'escaped their', 'escaped all', 'escaped any', 'escaped the', 'broken free', 'shed its', 'got rid of', 'my late', 'my deceased', 'my dead', 'evil twin', 'your opposite', 'alter ego', 'shadow self',
  '指令', '指示', '说明', '說明', '提示', '规则', '規則', '设定', '設定', '命令', '要求', '内容', '內容', '不再是',
  'プロンプト', 'ルール', '無視', '忘れ',
  'инструкц', 'указани', 'команд', 'правил', 'установк', 'всё', 'все ', 'больше не', 'системн', 'промпт',
  '지시', '지침', '명령', '프롬프트',
];

/** Anchors matched only as whole words (`dan` inside "redundant" is no anchor). */
export const WORD_ANCHORS = new Set(['dan']);

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether an anchor is written in a phrase's pattern: each of its characters literally or in
 * a character class (`instru[çc][õo]es` holds "instruç"), each space as a whitespace class.
 */
function written(anchor: string, source: string): boolean {
  const re = [...anchor]
    .map((ch) => (ch === ' ' ? '(?:\\\\s(?:[+*?]|\\{\\d+,\\d+\\})?| )' : `(?:${escapeRe(ch)}|\\[[^\\]]*${escapeRe(ch)}[^\\]]*\\])`))
    .join('');
  return new RegExp(re).test(source);
}

/** The anchors a phrase's matches contain, by index into `anchors`; a phrase with none would be tried near every anchor. */
export function anchorsOf(phrase: Phrase, anchors: readonly string[]): number[] {
  if (phrase.anchors) return phrase.anchors.map((a) => anchors.indexOf(a)).filter((i) => i >= 0);
  const source = phrase.source.toLowerCase();
  return anchors.flatMap((a, i) => (written(a, source) ? [i] : []));
}
