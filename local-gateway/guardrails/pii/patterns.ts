/**
 * Every regular expression the pii guardrail runs, in one place so a test can prove each
 * one linear-time (recheck) and run adversarial inputs against it. They are prefilters:
 * each finds the cheap shape of a candidate at V8's regex speed (hundreds of MB/s on code),
 * and plain functions validate the few candidates (checksums, ranges, libphonenumber).
 *
 * The lookbehinds keep a candidate from starting inside a longer token: digits inside a
 * hex hash, a float, a path or an identifier are never a card or a phone.
 */

/** An octet 0-255 without a leading zero: `01.02.03.04` is a version, not an address. */
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';

export const PATTERNS = {
  /**
   * A numeric run: digit groups joined by one separator (space . - /) or brackets, maybe
   * after a `+`. One pass of it feeds every number-shaped entity (IPv4, card, SSN, phone);
   * the sticky patterns below are then tried where the run starts.
   */
  numeric: /(?<![\w.+$-])\+?\(?\d+(?:(?:[ ./-]\(?|\)[ .-]?|\()\d+)*\)?/g,
  /** Dotted-quad IPv4, not followed by more of a dotted name (OIDs `1.3.6.1.4`, hosts `10.1.2.3.nip.io`). */
  ipv4: new RegExp(`${OCTET}(?:\\.${OCTET}){3}(?![\\w-]|\\.[\\w-])`, 'y'),
  /** Where an IPv6 address may be: two colons with at most one hex group between; the candidate is grown around it. */
  ipv6Anchor: /:[0-9A-Fa-f]{0,4}:/g,
  /**
   * Card numbers: 4-4-4-4(-3) in space or dash groups, Amex 4-6-5, Diners 4-6-4, or 13-19
   * digits in one run. One separator throughout (no backreference, so each is its own branch).
   */
  card: /(?:\d{4}(?: \d{4}){2} \d{1,7}|\d{4}(?:-\d{4}){2}-\d{1,7}|3\d{3} \d{6} \d{4,5}|3\d{3}-\d{6}-\d{4,5}|\d{13,19})(?![\w-]|\.\d)/y,
  /** US SSNs: 3-2-4 with dashes or spaces, or 9 digits (the last two only beside an SSN keyword). */
  ssn: /(?:\d{3}-\d{2}-\d{4}|\d{3} \d{2} \d{4}|\d{9})(?![\w-]|\.\d)/y,
  /** Where an IBAN may start: a country code and check digits at the start of a token. */
  iban: /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?= ?[A-Z0-9])/g,
  /** What joins two versions: `1.0.0.1 -> 1.0.0.2`, `… to …`, `… and …`, a comma. */
  versionArrow: /(?:->|=>|\u2192|\bto|\band|\bor|,) ?$/,
  /** A phone keyword shortly before an unformatted number. */
  phoneKeyword: /(?:phone|\btel|mobile|\bmob|\bph|\bcell|\bcall|\bfax|\bsms|whatsapp|contact|\bdial|\bhandy|telefon|t[ée]l[ée]phone|portable|\bmobil|\bm[oó]vil)\b[^\n\d]{0,20}$/i,
  /** An SSN keyword shortly before a number written without dashes. */
  ssnKeyword: /(?:\bssn|social security|\bsoc\.? ?sec|\bss ?#|\bss no|\bsocial)\b[^\n\d]{0,20}$/i,
  /** Seven equal digits (the end of a placeholder number such as 000-000-0000). */
  sameDigits: /^(?:0{7}|1{7}|2{7}|3{7}|4{7}|5{7}|6{7}|7{7}|8{7}|9{7})$/,
  /** A US ZIP+4 code (`02110-1301`, in every GPL header). */
  zipShape: /^\d{5}-\d{4}$/,
  /** The SSN layout 3-2-4 with dashes. */
  ssnShape: /^\d{3}-\d{2}-\d{4}$/,
  /** A run that starts with a date: `2024-01-15`, `15.01.2024`, `01/15/2024 10` (and its hour). */
  date: /^(?:\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2}(?:\d{2})?)(?: |$)/,
  /** A test card number's code context before it: a value position (`=`, `(`, `[`, `,`) or a lower-case YAML/JSON key. */
  codeValueBefore: /(?:[=([,]\s*["'`]?|^\s*["']?[a-z_][\w.-]*["']?:\s*["'`]?)$/,
  /** Words that say a card number is a test fixture. */
  testWords: /\b(?:test|testing|sandbox|stripe|braintree|adyen|mock|fake|dummy|fixture|example|sample|demo)/i,
  /** Email local parts that are docs placeholders (`you@example.com`), with a placeholder domain. */
  placeholderLocal: /^(?:you|your[._-]?(?:e?mail|name|user(?:name)?|address|login)?|user(?:name)?|name|e?mail|someone|somebody|foo|bar|baz|test|x+|first[._-]?last|firstname[._-]?lastname)$/i,
  /** Domains reserved for documentation (RFC 2606) and the usual placeholder ones. */
  placeholderDomain: /(?:^|\.)(?:example\.(?:com|org|net)|(?:your-?)?domain\.(?:com|tld)|your-?company\.com|company\.com|email\.com|(?:foo|bar|baz|test)\.com|example|test|invalid|localhost)$/i,
  /** Mailboxes that belong to no person. */
  robotLocal: /^(?:no-?reply|do-?not-?reply|mailer-daemon|postmaster)$/i,
  /** Where a phone number's separators are, to split it into groups. */
  nonDigits: /\D+/g,
  /** A separator other than '.' in a phone candidate (dots alone are often versions). */
  phoneSeparator: /[ /()-]/,
  /** How only phone numbers start: `+`, a bracket, a trunk `0`. */
  strongPhoneStart: /^[+(0]/,
  /** A North American number in its usual layout: `(415) 555-2671`, `415-555-2671`, `1-800-555-0199`. */
  nanp: /^(?:1[ .-]?)?(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}$/,
  /** One DNS label of an email domain. */
  domainLabel: /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/,
  /** A top-level domain: letters, or punycode. */
  tld: /^(?:[A-Za-z]{2,24}|xn--[A-Za-z0-9-]{1,59})$/,
  /** Any digit: an IPv6 address someone writes has one. */
  digit: /\d/,
  /** Unique-local (fc00::/7) and link-local (fe80::/10) IPv6 prefixes: private addresses. */
  privateV6: /^f(?:[cd]|e[89ab])/i,
  /** What is not a letter or digit, dropped to compare numbers with the allow list whatever their grouping. */
  nonAlnum: /[^0-9A-Za-z]/g,
  /** A `phone_regions` entry: an ISO 3166 alpha-2 code. */
  region: /^[A-Z]{2}$/,
} as const;
