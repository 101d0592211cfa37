import { z } from 'zod';

/**
 * The `secrets` guardrail's rules, as data. Each rule names where its format is documented or
 * which established ruleset it follows, so a reviewer can check it against the source.
 *
 * Two kinds of rule:
 * - `token`: a provider's key format with a fixed anchor (`ghp_`, `AKIA`, `-----BEGIN `). The
 *   scanner finds each keyword with `indexOf` and tries the sticky pattern there (or up to
 *   `back` characters before it), so text without an anchor costs one string search per keyword.
 * - `assignment`: a value that is only a secret because of the name it is given
 *   (`AWS_SECRET_ACCESS_KEY=…`, `password: "…"`). Keywords are found case-insensitively in
 *   key names; `key` must match the whole name and `value` the whole value.
 *
 * Every pattern is linear-time: a sticky match starts at an anchor, a lookbehind keeps it from
 * starting inside a longer word (`task-…` is no OpenAI key), and each repetition is a single
 * character class (proved by `recheck` in patterns.test.ts).
 */

/** Validations beyond the pattern, implemented in checks.ts. */
export const CHECKS = ['github_crc32', 'jwt_header', 'pem_block', 'connection_string', 'mixed_chars', 'not_username', 'generic_value', 'cli_value', 'hcl_default', 'openai_marker'] as const;
export type CheckName = (typeof CHECKS)[number];

const Common = {
  /** The finding `type`, and what a policy's `rules` / `exclude` name. */
  id: z.string().regex(/^[a-z][a-z0-9_]*$/),
  description: z.string().min(1),
  /** Where the format is documented, or the established rule it follows. */
  source: z.string().min(1),
  /** Minimum Shannon entropy (bits per character) of the secret's random part. */
  minEntropy: z.number().min(0).max(8).optional(),
  checks: z.array(z.enum(CHECKS)).default([]),
};

const TokenRuleSchema = z.strictObject({
  ...Common,
  kind: z.literal('token'),
  /** Case-sensitive anchors; the pattern runs only where one occurs. */
  keywords: z.array(z.string().min(2)).min(1),
  /** Sticky pattern; a named group `body` is the random part the entropy and placeholder checks read (default: the match minus its keyword). */
  pattern: z.instanceof(RegExp).refine((re) => re.sticky, 'token patterns are sticky (flag y): they run at an anchor'),
  /** How far before the keyword a match may start (the keyword sits inside the token). */
  back: z.number().int().min(0).max(16).default(0),
  /** Literal text that, right before the match, belongs to the finding (a URL's scheme). */
  lead: z.array(z.string().min(1)).default([]),
});

const AssignmentRuleSchema = z.strictObject({
  ...Common,
  kind: z.literal('assignment'),
  /** Lower-case words looked for in key names. */
  keywords: z.array(z.string().regex(/^[a-z_-]+$/)).min(1),
  /** The whole key name must match. */
  key: z.instanceof(RegExp),
  /** The whole value must match. */
  value: z.instanceof(RegExp),
});

export const SecretRuleSchema = z.discriminatedUnion('kind', [TokenRuleSchema, AssignmentRuleSchema]);
export type SecretRule = z.infer<typeof SecretRuleSchema>;
export type TokenRule = z.infer<typeof TokenRuleSchema>;
export type AssignmentRule = z.infer<typeof AssignmentRuleSchema>;

const DATA: z.input<typeof SecretRuleSchema>[] = [
  {
    id: 'private_key',
    kind: 'token',
    description: 'PEM private key block (RSA, EC, DSA, OpenSSH, PKCS#8, encrypted), also JSON-escaped as in a GCP service-account file; the whole block is the finding',
    source: 'RFC 7468 (textual encodings); gitleaks private-key; GCP service-account key JSON "private_key"',
    keywords: ['-----BEGIN '],
    pattern: /-----BEGIN (?:[A-Z0-9]+ ){0,4}PRIVATE KEY(?: BLOCK)?-----/y,
    checks: ['pem_block'],
  },
  {
    id: 'aws_access_key_id',
    kind: 'token',
    description: 'AWS access key id (long-term AKIA, temporary ASIA, and other IAM unique-id prefixes)',
    source: 'AWS IAM docs "Understanding unique ID prefixes"; gitleaks aws-access-token',
    keywords: ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'A3T'],
    pattern: /(?<![A-Za-z0-9])(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)(?<body>[A-Z2-7]{16})(?![A-Za-z0-9])/y,
    minEntropy: 2.8,
  },
  {
    id: 'github_pat',
    kind: 'token',
    description: 'GitHub personal access token: classic (ghp_, CRC32-checked) and fine-grained (github_pat_)',
    source: 'github.blog 2021-04-05 "Behind GitHub\'s new authentication token formats"; gitleaks github-pat, github-fine-grained-pat',
    keywords: ['ghp_', 'github_pat_'],
    pattern: /(?<![A-Za-z0-9_])(?:ghp_[A-Za-z0-9]{30,60}|github_pat_[A-Za-z0-9_]{36,255})(?![A-Za-z0-9_])/y,
    minEntropy: 3.5,
    checks: ['github_crc32'],
  },
  {
    id: 'github_oauth',
    kind: 'token',
    description: 'GitHub OAuth access token (gho_)',
    source: 'github.blog 2021-04-05 token formats; gitleaks github-oauth',
    keywords: ['gho_'],
    pattern: /(?<![A-Za-z0-9_])gho_[A-Za-z0-9]{30,60}(?![A-Za-z0-9_])/y,
    minEntropy: 3.5,
    checks: ['github_crc32'],
  },
  {
    id: 'github_app_token',
    kind: 'token',
    description: 'GitHub App user-to-server (ghu_) and server-to-server / Actions (ghs_) token',
    source: 'github.blog 2021-04-05 token formats; gitleaks github-app-token',
    keywords: ['ghu_', 'ghs_'],
    pattern: /(?<![A-Za-z0-9_])gh[us]_[A-Za-z0-9]{30,60}(?![A-Za-z0-9_])/y,
    minEntropy: 3.5,
    checks: ['github_crc32'],
  },
  {
    id: 'github_refresh_token',
    kind: 'token',
    description: 'GitHub App refresh token (ghr_)',
    source: 'github.blog 2021-04-05 token formats; gitleaks github-refresh-token',
    keywords: ['ghr_'],
    pattern: /(?<![A-Za-z0-9_])ghr_[A-Za-z0-9]{30,80}(?![A-Za-z0-9_])/y,
    minEntropy: 3.5,
    checks: ['github_crc32'],
  },
  {
    id: 'gitlab_pat',
    kind: 'token',
    description: 'GitLab personal, project or group access token (glpat-, also the routable .01. form)',
    source: 'docs.gitlab.com "Token prefixes"; gitleaks gitlab-pat',
    keywords: ['glpat-'],
    pattern: /(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20,200}(?:\.[A-Za-z0-9_-]+){0,3}/y,
    minEntropy: 3.2,
    checks: ['mixed_chars'],
  },
  {
    id: 'gitlab_token',
    kind: 'token',
    description: 'Other GitLab tokens: deploy (gldt-), runner (glrt-, GR1348941), pipeline trigger (glptt-), feed (glft-), OAuth app secret (gloas-), CI job (glcbt-), incoming mail (glimt-), agent (glagent-), SCIM (glsoat-)',
    source: 'docs.gitlab.com "Token prefixes"; gitleaks gitlab-* rules',
    keywords: ['gldt-', 'glrt-', 'glptt-', 'glft-', 'gloas-', 'glcbt-', 'glimt-', 'glagent-', 'glsoat-', 'GR1348941'],
    pattern: /(?<![A-Za-z0-9_-])(?:gl(?:dt|rt|ptt|ft|oas|cbt|imt|agent|soat)-[A-Za-z0-9_-]{20,200}|GR1348941[A-Za-z0-9_-]{20,64})(?![A-Za-z0-9_-])/y,
    minEntropy: 3.2,
    checks: ['mixed_chars'],
  },
  {
    id: 'slack_token',
    kind: 'token',
    description: 'Slack bot, user, app-level, refresh and configuration tokens (xoxb-, xoxp-, xoxa-, xoxo-, xoxs-, xoxr-, xoxe-, xapp-)',
    source: 'api.slack.com/authentication/token-types; gitleaks slack-bot-token, slack-user-token, slack-app-token',
    keywords: ['xox', 'xapp-'],
    pattern: /(?<![A-Za-z0-9_-])(?:xox[abposre]|xoxe\.xox[bp]|xapp)-[A-Za-z0-9-]{10,250}(?![A-Za-z0-9_-])/y,
    minEntropy: 3,
    checks: ['mixed_chars'],
  },
  {
    id: 'slack_webhook',
    kind: 'token',
    description: 'Slack incoming webhook or workflow URL (hooks.slack.com/services/…)',
    source: 'api.slack.com/messaging/webhooks; gitleaks slack-webhook-url',
    keywords: ['hooks.slack.com/'],
    pattern: /hooks\.slack\.com\/(?:services|workflows|triggers)\/(?<body>[A-Za-z0-9_+/-]{20,200})/y,
    lead: ['https://', 'http://'],
    minEntropy: 3,
  },
  {
    id: 'stripe_secret_key',
    kind: 'token',
    description: 'Stripe secret and restricted keys, live and test mode (sk_live_, rk_live_, sk_test_, rk_test_); publishable pk_ keys are not secret',
    source: 'docs.stripe.com/keys; gitleaks stripe-access-token',
    keywords: ['sk_live_', 'rk_live_', 'sk_test_', 'rk_test_'],
    pattern: /(?<![A-Za-z0-9_])[sr]k_(?:live|test)_[A-Za-z0-9]{16,247}(?![A-Za-z0-9_])/y,
    minEntropy: 3.2,
    checks: ['mixed_chars'],
  },
  {
    id: 'anthropic_api_key',
    kind: 'token',
    description: 'Anthropic API, admin and OAuth keys (sk-ant-api03-, sk-ant-admin01-, sk-ant-oat01-)',
    source: 'docs.anthropic.com API keys; gitleaks anthropic-api-key, anthropic-admin-api-key',
    keywords: ['sk-ant-'],
    pattern: /(?<![A-Za-z0-9_-])sk-ant-[a-z]{2,8}\d{2}-(?<body>[A-Za-z0-9_-]{24,250})(?![A-Za-z0-9_-])/y,
    minEntropy: 3.5,
    checks: ['mixed_chars'],
  },
  {
    id: 'openai_api_key',
    kind: 'token',
    description: 'OpenAI API keys: legacy sk-…, project sk-proj-…, service account sk-svcacct-…, admin sk-admin-…',
    source: 'platform.openai.com/docs/api-reference/authentication; gitleaks openai-api-key',
    keywords: ['sk-'],
    pattern: /(?<![A-Za-z0-9_-])sk-(?!ant-)(?:(?:proj|svcacct|admin|None)-)?(?<body>[A-Za-z0-9_-]{20,250})(?![A-Za-z0-9_-])/y,
    minEntropy: 3.5,
    checks: ['openai_marker', 'mixed_chars'],
  },
  {
    id: 'sendgrid_api_key',
    kind: 'token',
    description: 'Twilio SendGrid API key (SG.<22>.<43>)',
    source: 'docs.sendgrid.com API keys; gitleaks sendgrid-api-token',
    keywords: ['SG.'],
    pattern: /(?<![A-Za-z0-9_.-])SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{30,64}(?![A-Za-z0-9_-])/y,
    minEntropy: 3.5,
    checks: ['mixed_chars'],
  },
  {
    id: 'npm_token',
    kind: 'token',
    description: 'npm access token (npm_)',
    source: 'github.blog/changelog 2021-09-23 "npm has a new access token format"; gitleaks npm-access-token',
    keywords: ['npm_'],
    pattern: /(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9_])/y,
    minEntropy: 3.5,
    checks: ['github_crc32', 'mixed_chars'],
  },
  {
    id: 'pypi_token',
    kind: 'token',
    description: 'PyPI API token (pypi-AgE…, a macaroon whose first bytes encode "pypi.org")',
    source: 'pypi.org/help/#apitoken; gitleaks pypi-upload-token',
    keywords: ['pypi-AgE'],
    pattern: /(?<![A-Za-z0-9_-])pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)(?<body>[A-Za-z0-9_-]{50,1000})(?![A-Za-z0-9_-])/y,
    minEntropy: 3.5,
  },
  {
    id: 'huggingface_token',
    kind: 'token',
    description: 'Hugging Face user access token (hf_) and organization API token (api_org_)',
    source: 'huggingface.co/docs/hub/security-tokens; gitleaks huggingface-access-token, huggingface-organization-api-token',
    keywords: ['hf_', 'api_org_'],
    pattern: /(?<![A-Za-z0-9_-])(?:hf|api_org)_(?<body>[A-Za-z0-9]{34})(?![A-Za-z0-9_-])/y,
    minEntropy: 3.5,
    checks: ['mixed_chars'],
  },
  {
    id: 'docker_pat',
    kind: 'token',
    description: 'Docker Hub personal or organization access token (dckr_pat_, dckr_oat_)',
    source: 'docs.docker.com/security/for-developers/access-tokens; gitleaks-style prefix rule',
    keywords: ['dckr_pat_', 'dckr_oat_'],
    pattern: /(?<![A-Za-z0-9_-])dckr_[po]at_(?<body>[A-Za-z0-9_-]{27,64})(?![A-Za-z0-9_-])/y,
    minEntropy: 3.5,
    checks: ['mixed_chars'],
  },
  {
    id: 'gcp_api_key',
    kind: 'token',
    description: 'Google Cloud / Firebase API key (AIza…)',
    source: 'cloud.google.com/docs/authentication/api-keys; gitleaks gcp-api-key',
    keywords: ['AIza'],
    pattern: /(?<![A-Za-z0-9_-])AIza(?<body>[A-Za-z0-9_-]{35})(?![A-Za-z0-9_-])/y,
    minEntropy: 3.5,
  },
  {
    id: 'azure_storage_key',
    kind: 'token',
    description: 'Azure Storage account key in a connection string (AccountKey=…); the whole connection string is the finding',
    source: 'learn.microsoft.com "Configure Azure Storage connection strings"; gitleaks azure-storage-account-key',
    keywords: ['AccountKey='],
    pattern: /AccountKey=(?<body>[A-Za-z0-9+/]{40,100}={0,2})/y,
    minEntropy: 4,
    checks: ['connection_string'],
  },
  {
    id: 'azure_shared_access_key',
    kind: 'token',
    description: 'Azure Service Bus / Event Hubs / IoT Hub shared access key in a connection string (SharedAccessKey=…)',
    source: 'learn.microsoft.com "Service Bus authentication with SAS"',
    keywords: ['SharedAccessKey='],
    pattern: /SharedAccessKey=(?<body>[A-Za-z0-9+/]{30,100}={0,2})/y,
    minEntropy: 4,
    checks: ['connection_string'],
  },
  {
    id: 'azure_client_secret',
    kind: 'token',
    description: 'Microsoft Entra ID (Azure AD) application client secret (the xxx8Q~… format)',
    source: 'gitleaks azure-ad-client-secret; learn.microsoft.com app registration credentials',
    keywords: ['Q~'],
    back: 4,
    pattern: /(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}\dQ~(?<body>[A-Za-z0-9_~.-]{31,34})(?![A-Za-z0-9_~.-])/y,
    minEntropy: 3.5,
  },
  {
    id: 'jwt',
    kind: 'token',
    description: 'JSON Web Token: three base64url parts whose header decodes to JSON with an "alg"',
    source: 'RFC 7519 / RFC 7515; gitleaks jwt',
    keywords: ['eyJ'],
    pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.(?<body>[A-Za-z0-9_-]{8,})(?![A-Za-z0-9_-])/y,
    minEntropy: 3,
    checks: ['jwt_header'],
  },
  {
    id: 'url_password',
    kind: 'token',
    description: 'Password in a URL\'s userinfo (postgres://user:pass@host, DATABASE_URL); the password is the finding',
    source: 'RFC 3986 §3.2.1 (userinfo); gitleaks generic credentials-in-URL',
    keywords: ['://'],
    pattern: /:\/\/(?<user>[A-Za-z0-9._~%!$&*+=-]{0,64}):(?<body>[A-Za-z0-9._~%!$&*+=^#-]{6,128})@(?=[A-Za-z0-9[])/dy,
    minEntropy: 2.5,
    checks: ['not_username'],
  },
  {
    id: 'generic_secret',
    kind: 'token',
    description: 'Password given to a command line as user:password (curl -u, --user)',
    source: 'curl(1) --user; gitleaks generic curl-auth-user',
    keywords: ['-u ', '--user '],
    pattern: /(?<![A-Za-z0-9_-])(?:-u|--user) (?<user>[A-Za-z0-9._@+-]{1,64}):(?<body>[A-Za-z0-9._~%!#&*+=^@-]{6,128})(?![A-Za-z0-9._~%!#&*+=^@-])/dy,
    minEntropy: 3,
    checks: ['not_username'],
  },
  {
    id: 'generic_secret',
    kind: 'token',
    description: 'Password given to a command line as a flag: --password=…, --pass …, mysql -p\'…\', redis-cli -a …',
    source: 'mysql(1) --password / -p; redis-cli(1) -a; detect-secrets KeywordDetector (command-line forms)',
    keywords: ['--password', '--passwd', '--pass', "-p'", '-p"', 'redis-cli'],
    // redis-cli takes the password as `-a` anywhere among its first arguments.
    pattern: /(?<![A-Za-z0-9_-])(?:--pass(?:word|wd)?[= ]|-p(?=['"])|redis-cli(?: (?!-a )[^\s|;&]+){0,12} -a )['"]?(?<body>[^\s'"`|;&]{6,128})/dy,
    minEntropy: 3,
    checks: ['cli_value'],
  },
  {
    id: 'generic_secret',
    kind: 'token',
    description: 'Literal default of a Terraform variable named as a secret (variable "db_password" { default = "…" }); the default is the finding',
    source: 'developer.hashicorp.com Terraform "Input variables" (default, sensitive); tfsec general-secrets-no-plaintext-exposure',
    keywords: ['variable "'],
    pattern: /variable "(?<name>[A-Za-z0-9_-]{1,64})"[ \t]*\{/y,
    minEntropy: 3,
    checks: ['hcl_default'],
  },
  {
    id: 'aws_secret_access_key',
    kind: 'assignment',
    description: 'AWS secret access key (40 base64 characters) assigned to an AWS secret key name',
    source: 'AWS docs "Managing access keys"; gitleaks aws-secret-access-key (context rule)',
    keywords: ['secret'],
    key: /^(?:aws)?[_.-]?(?:secret[_.-]?(?:access[_.-]?)?key|secret)(?:[_.-]?id)?$|^aws[_.-]?secret[\w.-]{0,30}$/i,
    value: /^[A-Za-z0-9/+]{40}$/,
    minEntropy: 4,
    checks: ['mixed_chars'],
  },
  {
    id: 'aws_session_token',
    kind: 'assignment',
    description: 'AWS session token of temporary credentials (STS), assigned to a session-token name',
    source: 'AWS docs "Using temporary credentials" (AWS_SESSION_TOKEN, SessionToken in STS output)',
    keywords: ['token'],
    key: /^(?:aws)?[_.-]?session[_.-]?token$/i,
    value: /^[A-Za-z0-9/+=]{100,}$/,
    minEntropy: 4,
  },
  {
    id: 'azure_storage_key',
    kind: 'assignment',
    description: 'Azure Storage account key (88 base64 characters) assigned to a storage/account key name',
    source: 'learn.microsoft.com "Manage storage account access keys"',
    keywords: ['account_key', 'accountkey', 'storage_key', 'storagekey', 'account-key', 'storage-key'],
    key: /(?:azure|storage|account)/i,
    value: /^[A-Za-z0-9+/]{86}==$/,
    minEntropy: 4,
  },
  {
    id: 'azure_client_secret',
    kind: 'assignment',
    description: 'Azure client secret assigned to an Azure client-secret name (AZURE_CLIENT_SECRET=…)',
    source: 'learn.microsoft.com azure-identity environment variables (AZURE_CLIENT_SECRET)',
    keywords: ['secret'],
    // With the keyword `secret` required, a name that also says azure (or Terraform's ARM_CLIENT_SECRET).
    key: /azure|^arm[_.-]?client[_.-]?secret$/i,
    value: /^[A-Za-z0-9_~.+/=-]{20,100}$/,
    minEntropy: 3.5,
    checks: ['mixed_chars'],
  },
  {
    id: 'generic_secret',
    kind: 'assignment',
    description: 'High-entropy value assigned to a secret-looking name (SECRET=…, api_key: "…", password = \'…\', DB_PASS=…, an UPPER_SNAKE …_KEY=…, Authorization: Bearer …)',
    source: 'gitleaks generic-api-key (keyword + entropy); detect-secrets KeywordDetector',
    keywords: ['secret', 'password', 'passwd', 'pass', 'pwd', 'passphrase', 'token', '_key', 'apikey', 'api_key', 'api-key', 'access_key', 'accesskey', 'private_key', 'privatekey', 'auth_key', 'authkey', 'authorization', 'credential', 'credentials', 'signing_key', 'encryption_key'],
    key: /./,
    value: /^[^\s"'`]{8,512}$/,
    minEntropy: 3,
    checks: ['generic_value'],
  },
];

export const RULES: readonly SecretRule[] = DATA.map((r) => SecretRuleSchema.parse(r));
export const RULE_IDS = [...new Set(RULES.map((r) => r.id))] as [string, ...string[]];

/** Every built-in regex of this module, for the linear-time proof. */
export const PATTERNS: readonly RegExp[] = RULES.flatMap((r) => (r.kind === 'token' ? [r.pattern] : [r.key, r.value]));
