// domains, hsts and previews.domain: what they compile to, and every refusal at its line and
// column with the reason (not a host name, a port, an IP address, a wildcard, a duplicate, a
// certificate group sluice.yaml may not name).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostNameProblem } from '../../src/spec/host-name.ts';
import { secretGroupsNamed } from '../../src/spec/secret-groups-named.ts';
import { previewEnvironment } from '../../src/engine/plan.ts';
import { errorsOf, valid } from './spec-kit.ts';

const file = (production: string, extra = ''): string => `services:\n  web:\n    start: x\nenvironments:\n  staging: {}\n  production:\n${production}${extra}`;

void test('domains, hsts and previews.domain compile to lowercase names, certificate references and header values', () => {
  const spec = valid(
    file(
      '    domains:\n      - Shop.Example.com.\n      - name: www.shop.example.com\n        certificate: { group: certs, key: SHOP_PEM }\n    hsts: { maxAge: 30d, includeSubDomains: true }\n',
      'previews:\n  domain: Preview.example.com\n  pullRequests: true\n',
    ),
  );
  const [staging, production] = spec.environments;
  assert.deepEqual(staging?.domains, []);
  assert.equal(staging?.hsts, null);
  assert.deepEqual(production?.domains, [
    { name: 'shop.example.com', certificate: null },
    { name: 'www.shop.example.com', certificate: { group: 'certs', key: 'SHOP_PEM' } },
  ]);
  assert.deepEqual(production?.hsts, { maxAgeSeconds: 30 * 86_400, includeSubDomains: true });
  assert.equal(spec.previews.domain, 'preview.example.com');
  assert.deepEqual(previewEnvironment(spec, 42).domains, [{ name: 'pr-42.preview.example.com', certificate: null }]);
  // The certificate's group is one the project must be granted, like any group the file names.
  assert.ok(secretGroupsNamed(spec).includes('certs'));
  assert.deepEqual(valid(file('    hsts: true\n')).environments[1]?.hsts, { maxAgeSeconds: 31_536_000, includeSubDomains: false });
  assert.equal(valid(file('    hsts: false\n')).environments[1]?.hsts, null);
});

void test('bad domains are refused at their position with the reason', () => {
  const errors = errorsOf(
    file(
      [
        '    domains:',
        '      - shop_example.com',
        '      - https://shop.example.com/',
        '      - shop.example.com:8443',
        '      - 192.168.1.10',
        '      - "[::1]"',
        '      - "*.example.com"',
        '      - localhost',
        '      - a..example.com',
        `      - ${'a'.repeat(64)}.example.com`,
        `      - ${Array.from({ length: 60 }, () => 'abcd').join('.')}.com`,
        '      - -shop.example.com',
        '      - name: ok.example.com',
        '        certificate: { group: sluice.github, key: PEM }',
        '      - name: ok2.example.com',
        '        certificate: { group: certs, key: "no-dashes" }',
        '      - { nme: x.example.com }',
        '      - 42',
        '',
      ].join('\n'),
    ),
  );
  assert.deepEqual(errors, [
    'sluice.yaml:8:9: environments.production.domains[0]: "shop_example.com" is not a valid host name: label "shop_example" may hold only letters, digits and "-", and may not start or end with "-"',
    'sluice.yaml:9:9: environments.production.domains[1]: "https://shop.example.com/" is a URL: give only the host name (shop.example.com)',
    'sluice.yaml:10:9: environments.production.domains[2]: "shop.example.com:8443" has a port: give only the host name (shop.example.com); the router serves it on --router-port and --https-port',
    'sluice.yaml:11:9: environments.production.domains[3]: "192.168.1.10" is an IP address: give a host name (certificates are issued for names)',
    'sluice.yaml:12:9: environments.production.domains[4]: "[::1]" is an IP address: give a host name (certificates are issued for names)',
    'sluice.yaml:13:9: environments.production.domains[5]: "*.example.com" is a wildcard: wildcard certificates need the DNS-01 challenge, which Sluice does not offer (it answers HTTP-01 itself); list each name instead, e.g. www.example.com',
    'sluice.yaml:14:9: environments.production.domains[6]: "localhost" has a single label: a custom domain is a full name such as shop.example.com',
    'sluice.yaml:15:9: environments.production.domains[7]: "a..example.com" has an empty label (two dots in a row, or a leading dot)',
    `sluice.yaml:16:9: environments.production.domains[8]: "${'a'.repeat(64)}.example.com" has a label of 64 characters: a label has at most 63`,
    `sluice.yaml:17:9: environments.production.domains[9]: "${Array.from({ length: 60 }, () => 'abcd').join('.')}.com" is 303 characters long: a host name has at most 253`,
    'sluice.yaml:18:9: environments.production.domains[10]: "-shop.example.com" is not a valid host name: label "-shop" may hold only letters, digits and "-", and may not start or end with "-"',
    'sluice.yaml:20:31: environments.production.domains[11].certificate.group: is kept by Sluice for itself (groups starting with "sluice."): a sluice.yaml cannot name it',
    'sluice.yaml:22:43: environments.production.domains[12].certificate.key: is not a valid secret key name (letters, digits, "_")',
    'sluice.yaml:23:9: environments.production.domains[13]: missing required key "name"',
    'sluice.yaml:23:11: environments.production.domains[13].nme: unknown key "nme" (did you mean "name"?)',
    'sluice.yaml:24:9: environments.production.domains[14]: expected a host name such as shop.example.com, or a map {name, certificate: {group, key}}, got the number 42',
  ]);
});

void test('a domain listed twice, in one environment or in two, is refused at the second place naming the first', () => {
  const errors = errorsOf(
    `services:\n  web:\n    start: x\nenvironments:\n  staging:\n    domains: [shop.example.com, SHOP.example.com]\n  production:\n    domains:\n      - name: shop.example.com.\n`,
  );
  assert.deepEqual(errors, [
    'sluice.yaml:6:33: environments.staging.domains[1]: shop.example.com is listed twice (first in environments.staging.domains): a domain is served by one environment',
    'sluice.yaml:9:15: environments.production.domains[0].name: shop.example.com is listed twice (first in environments.staging.domains): a domain is served by one environment',
  ]);
});

void test('previews.domain and hsts are checked too', () => {
  assert.deepEqual(errorsOf(file('    hsts: { maxAge: 3y, includeSubdomains: true }\n', 'previews:\n  domain: "*.preview.example.com"\n')), [
    'sluice.yaml:7:21: environments.production.hsts.maxAge: expected a duration such as 500ms, 30s, 10m, 2h, 1d, 1m30s or a number of seconds (from 0s to 730d)',
    'sluice.yaml:7:25: environments.production.hsts.includeSubdomains: unknown key "includeSubdomains" (did you mean "includeSubDomains"?)',
    'sluice.yaml:9:11: previews.domain: "*.preview.example.com" is a wildcard: wildcard certificates need the DNS-01 challenge, which Sluice does not offer (it answers HTTP-01 itself); list each name instead, e.g. www.preview.example.com',
  ]);
  assert.deepEqual(errorsOf(file('    hsts: yes\n')), ['sluice.yaml:7:11: environments.production.hsts: expected true, false or a map {maxAge, includeSubDomains}, got the string "yes"']);
});

void test('host names: the RFC 1123 edges', () => {
  assert.equal(hostNameProblem('xn--bcher-kva.example'), null);
  assert.equal(hostNameProblem('1password.com'), null);
  assert.equal(hostNameProblem(`${'a'.repeat(63)}.example.com`), null);
  assert.match(hostNameProblem('shop.example.123') ?? '', /numeric label/);
  assert.match(hostNameProblem('') ?? '', /empty/);
});
