import { describe, expect, it } from 'vitest';
import { crc32 } from 'node:zlib';
import { guardrailConfigErrors, type GuardrailCheck } from '../../policy/engine/guardrails.js';
import { GuardrailSchema } from '../../policy/schema.js';
import '../index.js';
import { githubChecksumValid } from './checks.js';
import { SecretsConfig, secretsScanner } from './index.js';
import { RULE_IDS } from './rules.js';

// Secrets are assembled from parts at run time, so no credential-shaped literal sits in the source.
// A deterministic PRNG (mulberry32), so a failure reproduces.
let seed = 7;
function next(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function rand(n: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'): string {
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[Math.floor(next() * alphabet.length)];
  return out;
}
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** A GitHub-style token with a correct CRC32 checksum. */
function checksummed(prefix: string, random = rand(30)): string {
  let n = crc32(random);
  let sum = '';
  while (n > 0) {
    sum = B62[n % 62] + sum;
    n = Math.floor(n / 62);
  }
  return prefix + random + sum.padStart(6, '0');
}

const pem = (label: string, escaped = false) => {
  const nl = escaped ? '\\n' : '\n';
  return [`-----BEGIN ${label}-----`, rand(64, B64), rand(64, B64), rand(40, B64) + '==', `-----END ${label}-----`].join(nl);
};

const scanAll = secretsScanner(SecretsConfig.parse({}));
const found = (text: string, scan = scanAll) => scan(text).map((f) => ({ type: f.type, value: text.slice(f.start, f.end) }));

/** One positive per rule: [rule id, text, the value the finding must be]. */
function positives(): [string, string, string][] {
  const akid = 'AK' + 'IA' + rand(16, B32);
  const awsSecret = rand(40, B64);
  const session = 'IQoJb3JpZ2luX2Vj' + rand(200, B64);
  const classic = checksummed('gh' + 'p_');
  const fine = 'github' + '_pat_11' + rand(20) + '_' + rand(59);
  const oauth = checksummed('gh' + 'o_');
  const app = checksummed('gh' + 's_');
  const refresh = 'gh' + 'r_' + rand(76);
  const glpat = 'gl' + 'pat-' + rand(20);
  const glrt = 'gl' + 'rt-' + rand(20);
  const slack = 'xo' + 'xb-' + rand(12, '0123456789') + '-' + rand(13, '0123456789') + '-' + rand(24);
  const hook = 'https://hooks.slack.com/services/T' + rand(8, B32) + '/B' + rand(10, B32) + '/' + rand(24);
  const stripe = 'sk' + '_live_' + rand(24);
  const openai = 'sk-' + 'proj-' + rand(60) + 'T3Blbk' + 'FJ' + rand(60);
  const anthropic = 'sk-' + 'ant-api03-' + rand(93) + 'AA';
  const sendgrid = 'S' + 'G.' + rand(22) + '.' + rand(43);
  const npm = checksummed('np' + 'm_');
  const gcp = 'AI' + 'za' + rand(35);
  const accountKey = rand(86, B64) + '==';
  const sasKey = rand(43, B64) + '=';
  const clientSecret = rand(3) + '8Q' + '~' + rand(34);
  const jwt = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: 'user-42', exp: 1900000000 })}.${rand(43)}`;
  const key = pem('RSA PRIVATE KEY');
  const pgp = ['-----BEGIN PGP PRIVATE KEY BLOCK-----', 'Version: GnuPG v2', '', rand(64, B64), rand(64, B64), '=' + rand(4, B64), '-----END PGP PRIVATE KEY BLOCK-----'].join('\n');
  const escaped = pem('PRIVATE KEY', true);
  const dbPassword = rand(18);
  const generic = rand(30) + '!';
  const pypi = 'py' + 'pi-AgEIcHlwaS5vcmc' + rand(120);
  const hf = 'h' + 'f_' + rand(34);
  const docker = 'dckr' + '_pat_' + rand(27);
  return [
    ['aws_access_key_id', `AWS_ACCESS_KEY_ID=${akid}`, akid],
    ['aws_secret_access_key', `aws_secret_access_key = ${awsSecret}`, awsSecret],
    ['aws_session_token', `"SessionToken": "${session}"`, session],
    ['github_pat', `git clone https://${classic}@github.com/acme/api`, classic],
    ['github_pat', `GH_TOKEN=${fine}`, fine],
    ['github_oauth', `Authorization: token ${oauth}`, oauth],
    ['github_app_token', `x-access-token:${app}`, app],
    ['github_refresh_token', `refresh=${refresh}`, refresh],
    ['gitlab_pat', `PRIVATE-TOKEN: ${glpat}`, glpat],
    ['gitlab_token', `token = "${glrt}"`, glrt],
    ['slack_token', `SLACK_BOT_TOKEN=${slack}`, slack],
    ['slack_webhook', `curl -X POST ${hook} -d @msg.json`, hook],
    ['stripe_secret_key', `Stripe("${stripe}")`, stripe],
    ['openai_api_key', `OPENAI_API_KEY=${openai}`, openai],
    ['anthropic_api_key', `x-api-key: ${anthropic}`, anthropic],
    ['sendgrid_api_key', `setApiKey('${sendgrid}')`, sendgrid],
    ['npm_token', `//registry.npmjs.org/:_authToken=${npm}`, npm],
    ['gcp_api_key', `maps/api/js?key=${gcp}&callback=init`, gcp],
    ['azure_storage_key', `"DefaultEndpointsProtocol=https;AccountName=logs;AccountKey=${accountKey};EndpointSuffix=core.windows.net"`, `DefaultEndpointsProtocol=https;AccountName=logs;AccountKey=${accountKey};EndpointSuffix=core.windows.net`],
    ['azure_shared_access_key', `Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=${sasKey}`, `Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=${sasKey}`],
    ['azure_client_secret', `AZURE_CLIENT_SECRET=${clientSecret}`, clientSecret],
    ['jwt', `Authorization: Bearer ${jwt}`, jwt],
    ['private_key', `my key:\n${key}\nthanks`, key],
    ['private_key', pgp, pgp],
    ['private_key', `{"type": "service_account", "private_key": "${escaped}\\n"}`, escaped],
    ['url_password', `DATABASE_URL=postgres://app:${dbPassword}@db:5432/app`, dbPassword],
    ['generic_secret', `SECRET_KEY = '${generic}'`, generic],
    ['generic_secret', `curl -u deploy:${dbPassword}x https://ci.acme.io/api/json`, `${dbPassword}x`],
    ['generic_secret', `<add key="ApiKey" value="${dbPassword}" />`, dbPassword],
    ['generic_secret', `DB_PASS=${dbPassword}`, dbPassword],
    ['generic_secret', `MAILGUN_KEY=${generic}`, generic],
    ['pypi_token', `TWINE_USERNAME=__token__ twine upload --non-interactive -p ${pypi} dist/*`, pypi],
    ['huggingface_token', `login(token="${hf}")`, hf],
    ['docker_pat', `echo ${docker} | docker login -u ci --password-stdin`, docker],
  ];
}

describe('secrets rules', () => {
  it.each(positives())('%s: finds it and nothing else', (id, text, value) => {
    expect(found(text)).toEqual([{ type: id, value }]);
  });

  it('has a positive for every rule id', () => {
    expect(new Set(positives().map(([id]) => id))).toEqual(new Set(RULE_IDS));
  });

  it.each([
    ['docs placeholder', 'OPENAI_API_KEY=sk-your-key-here'],
    ['angle brackets', 'Authorization: Bearer <token>'],
    ['xxxx', 'GITHUB_TOKEN=gh' + 'p_' + 'x'.repeat(36)],
    ['env interpolation', 'api_key: ${OPENAI_API_KEY}'],
    ['process.env', 'const apiKey = process.env.OPENAI_API_KEY;'],
    ['os.environ', 'key = os.environ["STRIPE_KEY"]'],
    ['changeme', 'POSTGRES_PASSWORD=changeme'],
    ['example', 'aws_access_key_id = ' + 'AK' + 'IA' + 'IOSFODNN7' + 'EXAMPLE'],
    ['dummy', 'api_key = "dummy-key-for-tests-123"'],
    ['masked', 'password: "****************"'],
    ['repeated characters', 'token = "' + 'a1'.repeat(2) + '0'.repeat(20) + '"'],
    ['sequential characters', 'stripe_key: ' + 'sk' + '_live_' + '1234567890abcdefghijklmn'],
    ['jwt.io sample', 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.' + 'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c'],
    ['PEM stub', '-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----'],
    ['word-made test key', "const KEY = 'sk-" + "on-the-command-line-123';"],
  ])('%s is not a finding', (_name, text) => {
    expect(found(text)).toEqual([]);
  });

  it.each([
    ['git SHA', `commit ${rand(40, '0123456789abcdef')}`],
    ['sha256', `sha256:${rand(64, '0123456789abcdef')}`],
    ['UUID', `request_id=3f2504e0-4f89-41d3-9a0c-0305e82c3301`],
    ['lockfile integrity', `"integrity": "sha512-${rand(86, B64)}=="`],
    ['base64 image', `src="data:image/png;base64,iVBORw0KGgo${rand(400, B64)}"`],
    ['CSS colors', '.a { color: #1a2b3c; background: #ffcc00 }'],
    ['code about tokens', 'const token = await getToken(); let max_tokens = 4096; tokenizer = "cl100k_base";'],
    ['types', 'interface C { apiKey: string; password?: string }'],
    ['secret names', 'secretName: db-credentials\nsecretKeyRef: { name: db, key: password }'],
  ])('%s is not a finding', (_name, text) => {
    expect(found(text)).toEqual([]);
  });

  it('reports offsets in UTF-16 code units after non-ASCII text', () => {
    const key = 'AK' + 'IA' + rand(16, B32);
    const text = `Schlüssel → ${key} ✓`;
    const [f] = scanAll(text);
    expect(text.slice(f!.start, f!.end)).toBe(key);
  });
});

describe('secrets on a command line', () => {
  const pw = rand(20);
  it.each([
    ['mysql -p with the password attached', `mysql -h db -u root -p'${pw}' shop`],
    ['--password=', `pg_dump --password=${pw} --host db`],
    ['--pass and a space', `mongodump --username app --pass "${pw}"`],
    ['redis-cli -a after other flags', `redis-cli -h cache.prod -p 6380 -a ${pw} INFO`],
  ])('%s is a generic_secret', (_name, text) => {
    expect(found(text)).toEqual([{ type: 'generic_secret', value: pw }]);
  });

  it.each([
    ['a prompt for the password', 'mysql -h db -u root -p shop'],
    ['a variable', 'redis-cli -a "$REDIS_PASSWORD" ping; pg_dump --password=$PGPASS'],
    ['a word', 'mongodump --pass mypassword --username app'],
    ['--password-stdin', 'docker login --password-stdin < token.txt'],
    ['an ls flag', 'ls -a && redis-cli ping'],
  ])('%s is not a finding', (_name, text) => {
    expect(found(text)).toEqual([]);
  });
});

describe('Terraform variable defaults', () => {
  const pw = rand(22);
  const block = (name: string, value: string) => `variable "${name}" {\n  type      = string\n  default   = "${value}"\n  sensitive = true\n}\n`;

  it('the literal default of a variable named as a secret is a generic_secret', () => {
    expect(found(block('db_password', pw))).toEqual([{ type: 'generic_secret', value: pw }]);
    expect(found(`# prod\n${block('stripe_api_key', pw)}`)).toEqual([{ type: 'generic_secret', value: pw }]);
  });

  it('a variable named otherwise, or about the secret, or with a stand-in default, is not', () => {
    expect(found(block('region', pw))).toEqual([]);
    expect(found(block('db_password_secret_name', 'prod/db-credentials'))).toEqual([]);
    expect(found(block('token_ttl', '24h'))).toEqual([]);
    expect(found(block('api_token', 'CHANGE_ME_BEFORE_APPLY'))).toEqual([]);
    expect(found('variable "db_password" {\n  type = string\n}\n')).toEqual([]);
  });
});

describe('private keys as tools write them', () => {
  // DER zero bytes encode as runs of `A`: every OpenSSH key has `AAAAAAAAAAAB` near its start.
  const openssh = ['-----BEGIN OPENSSH PRIVATE KEY-----', 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW', rand(70, B64), rand(70, B64), rand(40, B64), '-----END OPENSSH PRIVATE KEY-----'].join('\n');

  it('an OpenSSH key with runs of A is found whole', () => {
    expect(found(`$ cat ~/.ssh/id_ed25519\n${openssh}\n$`)).toEqual([{ type: 'private_key', value: openssh }]);
  });

  it('a filler body is not a key, however long', () => {
    expect(found(`-----BEGIN PRIVATE KEY-----\nMIIEvQ${'A'.repeat(200)}\n-----END PRIVATE KEY-----`)).toEqual([]);
    expect(found(`-----BEGIN PRIVATE KEY-----\n${'abc'.repeat(40)}\n-----END PRIVATE KEY-----`)).toEqual([]);
  });
});

describe('GitHub checksum', () => {
  it('accepts the CRC32 of the random part and rejects a changed character', () => {
    const token = checksummed('gh' + 'p_');
    expect(githubChecksumValid(token.slice(4))).toBe(true);
    expect(githubChecksumValid(token.slice(4, 10) + (token[10] === 'A' ? 'B' : 'A') + token.slice(11))).toBe(false);
  });

  it('a checksummed token is found even when it looks typed', () => {
    // The checksum proves it real, so the placeholder heuristics (a run of six) do not apply.
    const proven = checksummed('gh' + 'p_', 'Z'.repeat(6) + rand(24));
    const unproven = 'gh' + 'p_' + 'Z'.repeat(6) + rand(30);
    expect(found(`t=${proven}`)).toEqual([{ type: 'github_pat', value: proven }]);
    expect(found(`t=${unproven}`)).toEqual([]);
  });
});

describe('secrets config', () => {
  const check = (config: object): GuardrailCheck => {
    const scan = secretsScanner(SecretsConfig.parse(config));
    return { scan: (texts) => texts.flatMap((t, i) => scan(t).map((s) => ({ ...s, text: i }))), redact: () => [] };
  };
  const akid = 'AK' + 'IA' + rand(16, B32);
  const stripe = 'sk' + '_live_' + rand(24);
  const text = `AWS_ACCESS_KEY_ID=${akid}\nSTRIPE=${stripe}`;
  const types = async (config: object) => (await check(config).scan([text])).map((f) => f.type);

  it('rules includes only the listed ids, exclude leaves ids out', async () => {
    expect(await types({})).toEqual(['aws_access_key_id', 'stripe_secret_key']);
    expect(await types({ rules: ['stripe_secret_key'] })).toEqual(['stripe_secret_key']);
    expect(await types({ exclude: ['stripe_secret_key'] })).toEqual(['aws_access_key_id']);
  });

  it('allow takes literals and RE2 patterns', async () => {
    expect(await types({ allow: [akid] })).toEqual(['stripe_secret_key']);
    expect(await types({ allow: ['/^sk_live_/'] })).toEqual(['aws_access_key_id']);
  });

  it('generic_min_entropy raises or lowers the generic threshold', async () => {
    const weakish = 'password = "a1b2a1b2a1b2"';
    expect(secretsScanner(SecretsConfig.parse({}))(weakish)).toEqual([]);
    expect(secretsScanner(SecretsConfig.parse({ generic_min_entropy: 1.5 }))(weakish)).toHaveLength(1);
  });

  it('a bad config is refused with a message that names the field', () => {
    const rule = (config: object) => GuardrailSchema.parse({ id: 's', type: 'secrets', hook: 'llm_input', action: 'validate', mode: 'enforce', config });
    expect(guardrailConfigErrors(rule({ rules: ['aws_key'] }))[0]).toMatch(/^config\.rules\.0: /);
    expect(guardrailConfigErrors(rule({ colour: 'red' }))[0]).toMatch(/colour/);
    expect(guardrailConfigErrors(rule({ allow: ['/(?<=x)y/'] }))[0]).toMatch(/not a valid RE2 expression/);
    expect(guardrailConfigErrors(rule({}))).toEqual([]);
  });
});
