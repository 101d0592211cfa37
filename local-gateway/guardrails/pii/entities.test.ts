import { describe, expect, it } from 'vitest';
import type { Guardrail } from '../../policy/schema.js';
import { PII } from './index.js';

const rule = { id: 'pii', type: 'pii', hook: 'llm_input', action: 'validate', mode: 'enforce' } as Guardrail;

/** What the guardrail finds in a text, as `type:value`. */
function found(text: string, config: Record<string, unknown> = {}): string[] {
  const check = PII.create(PII.config.parse(config), rule);
  return (check.scan([text]) as { type: string; start: number; end: number }[]).map((f) => `${f.type}:${text.slice(f.start, f.end)}`);
}

const expectNone = (texts: string[]) => {
  for (const t of texts) expect(found(t), t).toEqual([]);
};

describe('email', () => {
  it.each([
    ['write to jane@acme.io today', 'jane@acme.io'],
    ['Author: Priya <priya.raman@northwind-traders.com>', 'priya.raman@northwind-traders.com'],
    ['"email":"t.ruiz+billing@gmail.com"', 't.ruiz+billing@gmail.com'],
    ['mailto:legal@hoffmann-partner.de', 'legal@hoffmann-partner.de'],
    ['KEVIN.OBRIEN@CONTOSO.COM.', 'KEVIN.OBRIEN@CONTOSO.COM'],
    ['alan@bletchley.co.uk,', 'alan@bletchley.co.uk'],
  ])('finds it in %j', (text, value) => {
    expect(found(text)).toEqual([`email:${value}`]);
  });

  it('leaves decorators, package specs, assets, remotes, URL credentials, placeholders and robots alone', () => {
    expectNone([
      '@Component({ selector: "app" })',
      'npm i lodash@4.17.21 @types/node@20.19.0',
      "url('/img/logo@2x.png')",
      'git clone git@github.com:acme/api.git',
      'postgres://app:s3cret@db.internal:5432/app',
      'root@web-01:~# ls',
      'Set EMAIL=you@example.com',
      'your.email@example.com',
      'foo@bar.com',
      'From: GitHub <noreply@github.com>',
      'y = x@W.T + b',
      'user@localhost',
    ]);
  });
});

describe('phone', () => {
  it.each([
    ['Call (415) 555-2671 later', '(415) 555-2671'],
    ['212-555-0187', '212-555-0187'],
    ['415.555.0199', '415.555.0199'],
    ['+1 800 275 2273', '+1 800 275 2273'],
    ['+44 20 7946 0958', '+44 20 7946 0958'],
    ['+44 (0)20 7946 0958', '+44 (0)20 7946 0958'],
    ['ring 020 7946 0958.', '020 7946 0958'],
    ['0151 23456789', '0151 23456789'],
    ['06 12 34 56 78', '06 12 34 56 78'],
    ['+91 98765 43210', '+91 98765 43210'],
    ['98765 43210', '98765 43210'],
    ['tel:+14155552671', '+14155552671'],
    ['phone: 4155552671', '4155552671'],
    ['Ph: 9876543210', '9876543210'],
    ['+81 3-3224-9999', '+81 3-3224-9999'],
  ])('finds it in %j', (text, value) => {
    expect(found(text)).toEqual([`phone:${value}`]);
  });

  it('leaves dates, times, versions, IDs, ports, decimals and paths alone', () => {
    expectNone([
      '2024-01-15 10:30:00',
      '15.01.2024 and 01/22/2024',
      'created_at: 1764000123456',
      'id: 4155552671',
      'Order #4155552671 shipped',
      'GET /api/users/4155552671/orders',
      'EXPOSE 8080 5432 6379 27017',
      'load 0.42 0.38 0.31',
      'version 1.22.333.4444',
      'kernel 6.8.0-1015-azure',
      'SELECT 4155552671, 4155552672',
      'color: #4155552671',
      '4155552671abc',
      'digits 0 1 2 3 4 5 6 7 8 9',
      'deployed 01/15/2024 10:30 UTC',
      'placeholder="(000) 000-0000"',
      'Phone: 555-555-5555',
      'Boston, MA  02110-1301  USA',
      'octal octets (0300.0250.01.01)',
    ]);
  });

  it('leaves the digit groups of a tracking number or serial alone, after a group that mixes letters and digits', () => {
    expectNone(['Shipment tracking: 1Z 999 AA1 01 2345 6784', 'serial SN4F2 0171 2345 678 (warranty)']);
    expect(found('Ticket AB12: call 020 7946 3381')).toEqual(['phone:020 7946 3381']);
    expect(found('unit B12 +44 20 7946 3381')).toEqual(['phone:+44 20 7946 3381']);
  });

  it('looks for national formats only in the configured regions, international ones always', () => {
    expect(found('ring 020 7946 0958', { phone_regions: ['US'] })).toEqual([]);
    expect(found('ring +44 20 7946 0958', { phone_regions: ['US'] })).toEqual(['phone:+44 20 7946 0958']);
    expect(found('(415) 555-2671', { phone_regions: ['GB'] })).toEqual([]);
  });
});

describe('credit_card', () => {
  it.each([
    ['card 4539 1488 0343 6467 charged', '4539 1488 0343 6467'],
    ['5425-2334-3010-9903', '5425-2334-3010-9903'],
    ['amex 3434 343434 34343', '3434 343434 34343'],
    ['Discover 6011644000000009 declined', '6011644000000009'],
    ['Diners 3056 930902 5904', '3056 930902 5904'],
    ['Please charge 4111 1111 1111 1111 now', '4111 1111 1111 1111'],
  ])('finds it in %j', (text, value) => {
    expect(found(text)).toEqual([`credit_card:${value}`]);
  });

  it('needs Luhn, an issuer prefix of the right length, and a token of its own', () => {
    expectNone(['order 4539148803436468', 'ref 3787344936710016', '1234 5678 9012 3456', 'ts 1764000123456', 'x = 0.4539148803436467', 'id_4539148803436467']);
  });

  it('skips published test numbers in code, reports them in prose or when asked', () => {
    expectNone([
      "card: { number: '4242424242424242' }",
      'const VISA = "4111111111111111";',
      'test_cards:\n  visa: 4012888888881881',
      'Use the Stripe test card 4242 4242 4242 4242 with any expiry.',
      'Use 4242 4242 4242 4242 for testing',
      "cardNumber: '4000 0027 6000 3184'",
      "const declined = '4000000000000077';",
    ]);
    expect(found('my card 4000 0000 0000 0002')).toEqual(['credit_card:4000 0000 0000 0002']);
    expect(found("card = '4539148803436467'")).toEqual(['credit_card:4539148803436467']);
    expect(found("number: '4242424242424242'", { report_test_cards: true })).toEqual(['credit_card:4242424242424242']);
  });
});

describe('iban', () => {
  it.each([
    ['wire to DE89 3704 0044 0532 0130 00 by Friday', 'DE89 3704 0044 0532 0130 00'],
    ['IBAN: GB82WEST12345698765432', 'GB82WEST12345698765432'],
    ['FR14 2004 1010 0505 0001 3M02 606', 'FR14 2004 1010 0505 0001 3M02 606'],
    ['"NL91ABNA0417164300"', 'NL91ABNA0417164300'],
    ['CH93 0076 2011 6238 5295 7 (UBS)', 'CH93 0076 2011 6238 5295 7'],
  ])('finds it in %j', (text, value) => {
    expect(found(text)).toEqual([`iban:${value}`]);
  });

  it('needs the checksum, the country length and a token of its own', () => {
    expectNone(['DE89370400440532013001', 'de89370400440532013000', 'DE89370400440532013000ABC', 'XX89370400440532013000', 'BIC DEUTDEFF500']);
  });
});

describe('ssn', () => {
  it.each([
    ['SSN: 536-22-8714', '536-22-8714'],
    ['Please verify 123-45-6789.', '123-45-6789'],
    ['ssn=287654321', '287654321'],
    ['social security 078 42 1150', '078 42 1150'],
    ['SSN 078-05-1120 (the one from the wallet ad)', '078-05-1120'],
  ])('finds it in %j', (text, value) => {
    expect(found(text)).toEqual([`ssn:${value}`]);
  });

  it('needs valid ranges, and dashes unless an SSN keyword stands before it', () => {
    expectNone(['000-12-3456', '666-45-1234', '912-34-5678', '536-00-8714', '536-22-0000', 'invoice 287654321', 'ZIP 90210-1234']);
  });
});

describe('ip_address', () => {
  it.each([
    ['203.0.113.42 - - [24/Nov/2026]', '203.0.113.42'],
    ['DATABASE_HOST=10.20.30.41', '10.20.30.41'],
    ['curl http://192.168.1.20:8080/health', '192.168.1.20'],
    ['allow "34.117.59.81/32"', '34.117.59.81'],
    ['inet6 2001:db8:85a3::8a2e:370:7334/64', '2001:db8:85a3::8a2e:370:7334'],
    ['[fe80::1ff:fe23:4567:890a]:9000', 'fe80::1ff:fe23:4567:890a'],
    ['mapped ::ffff:192.0.2.1 here', '::ffff:192.0.2.1'],
    ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', '2001:0db8:85a3:0000:0000:8a2e:0370:7334'],
  ])('finds it in %j', (text, value) => {
    expect(found(text)).toEqual([`ip_address:${value}`]);
  });

  it('leaves loopback, unspecified, netmasks, versions, OIDs, MACs, times and scopes alone', () => {
    expectNone([
      "listen('127.0.0.1'); bind('0.0.0.0'); ::1",
      'netmask 255.255.255.0 broadcast 255.255.255.255',
      '"version": "1.2.3.4"',
      'Chrome/120.0.0.0 Safari/537.36',
      'Bump 1.0.0.1 -> 1.0.0.2',
      'released 2.0.0.1 yesterday',
      "host: '10.10.10.10.example.com'",
      'ES6$24.2.4.21 - DataView, see section 8.6.1.5',
      'OID 1.3.6.1.4.1.311',
      '01.02.03.04',
      'ether 00:1a:2b:3c:4d:5e',
      '12:34:56 and 10:30:00Z',
      'std::vector<int> xs[1::2] a::before',
    ]);
  });

  it('reads a dotted quad joined to a three-part version as a version (a dependency bump)', () => {
    expectNone(['Bumped jackson-databind from 2.15.2 to 2.16.1.1', 'supports 4.2.1 and 4.2.1.3']);
    expect(found('blocked 2.15.2.7 and 84.17.46.2')).toEqual(['ip_address:2.15.2.7', 'ip_address:84.17.46.2']);
  });

  it('leaves private ranges out when private_ips is false', () => {
    expect(found('10.20.30.41 and 8.8.4.4 and fd00::1:2', { private_ips: false })).toEqual(['ip_address:8.8.4.4']);
  });
});

describe('several entities', () => {
  it('reports each once, in order, an IPv4 inside an IPv6 address as the IPv6 one', () => {
    expect(found('Lena (lena.k@posteo.de, +49 170 1234567), IBAN DE89370400440532013000, from ::ffff:192.0.2.1')).toEqual([
      'email:lena.k@posteo.de',
      'phone:+49 170 1234567',
      'iban:DE89370400440532013000',
      'ip_address:::ffff:192.0.2.1',
    ]);
  });

  it('looks only for the configured entities', () => {
    expect(found('jane@acme.io 10.1.2.3 (415) 555-2671', { entities: ['ip_address'] })).toEqual(['ip_address:10.1.2.3']);
  });
});
