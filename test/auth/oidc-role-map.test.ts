// --oidc-role-map and the other --oidc-* options: parsed at start, every mistake named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapGroups, parseRoleMap, groupsOf } from '../../src/auth/oidc-role-map.ts';
import { oidcSettingsOf } from '../../src/config/oidc-options.ts';
import { safeReturnPath } from '../../src/auth/safe-return-path.ts';

void test('the role map: roles, project and environment limits, the highest role wins', () => {
  const rules = parseRoleMap('sluice-admins=admin, sluice-deployers=deployer,shop-team=deployer:shop,cart-team=deployer:cart+shop,shop-ops=deployer:shop:staging+production,readers=viewer,/org/team=ops=viewer:*:staging');
  assert.deepEqual(rules[2], { group: 'shop-team', role: 'deployer', projects: ['shop'], environments: null });
  assert.deepEqual(rules[4], { group: 'shop-ops', role: 'deployer', projects: ['shop'], environments: ['staging', 'production'] });
  assert.deepEqual(rules[6], { group: '/org/team=ops', role: 'viewer', projects: null, environments: ['staging'] });
  assert.equal(mapGroups(rules, ['nobody', 'other']), null);
  assert.deepEqual(mapGroups(rules, ['readers']), { role: 'viewer', projects: null, environments: null, groups: ['readers'] });
  // Highest role wins: the viewer rule does not widen the deployer's scope.
  assert.deepEqual(mapGroups(rules, ['readers', 'shop-team']), { role: 'deployer', projects: ['shop'], environments: null, groups: ['shop-team'] });
  assert.deepEqual(mapGroups(rules, ['shop-team', 'cart-team']), { role: 'deployer', projects: ['shop', 'cart'], environments: null, groups: ['shop-team', 'cart-team'] });
  assert.deepEqual(mapGroups(rules, ['shop-team', 'sluice-admins'])?.role, 'admin');
  assert.equal(mapGroups(rules, ['shop-team', 'sluice-deployers'])?.projects, null);
  assert.deepEqual(groupsOf('readers'), ['readers']);
  assert.deepEqual(groupsOf(['a', 3, 'b']), ['a', 'b']);
  assert.deepEqual(groupsOf({ a: 1 }), []);
});

void test('a malformed role map is refused naming the entry', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /--oidc-role-map is empty/],
    [' , ', /--oidc-role-map is empty/],
    ['admins', /entry "admins" has no group/],
    ['=admin', /entry "=admin" has no group/],
    ['admins=root', /unknown role "root" \(known: viewer, deployer, admin\)/],
    ['team=deployer:Shop', /"Shop" is not a valid project name/],
    ['team=deployer:shop:prod_1', /"prod_1" is not a valid environment name/],
    ['team=deployer:shop:staging:x', /too many ":" parts/],
    ['team=deployer:', /"" is not a valid project name/],
    ['a=viewer,a=admin', /names group "a" twice/],
  ];
  for (const [map, message] of cases) assert.throws(() => parseRoleMap(map), message, map);
});

void test('the --oidc-* options are checked together at start', () => {
  const ok = { oidcIssuer: 'https://id.example.com/realms/x', oidcClientId: 'sluice', oidcClientSecret: 'sso/CLIENT_SECRET', oidcRoleMap: 'admins=admin' };
  assert.equal(oidcSettingsOf({}), null);
  const s = oidcSettingsOf(ok)!;
  assert.deepEqual(s.clientSecret, { group: 'sso', key: 'CLIENT_SECRET' });
  assert.equal(s.claim, 'groups');
  assert.equal(s.sessionMaxMs, 8 * 3_600_000);
  assert.equal(oidcSettingsOf({ ...ok, oidcIssuer: 'http://127.0.0.1:9000/' })!.issuer.port, '9000');
  const cases: Array<[object, RegExp]> = [
    [{ oidcClientId: 'x' }, /need --oidc-issuer/],
    [{ ...ok, oidcIssuer: 'id.example.com' }, /--oidc-issuer must be the https URL/],
    [{ ...ok, oidcIssuer: 'http://id.example.com/' }, /must be an https URL \(http only on loopback\)/],
    [{ ...ok, oidcClientId: undefined }, /needs --oidc-client-id/],
    [{ ...ok, oidcClientSecret: undefined }, /needs --oidc-client-secret GROUP\/KEY/],
    [{ ...ok, oidcClientSecret: 'just-a-secret' }, /must be GROUP\/KEY/],
    [{ ...ok, oidcClientSecret: 'sso/client-secret' }, /must be GROUP\/KEY \(a secret group, and a key that is an environment variable name/],
    [{ ...ok, oidcRoleMap: undefined }, /needs --oidc-role-map/],
    [{ ...ok, oidcRoleMap: 'admins=owner' }, /unknown role "owner"/],
    [{ ...ok, oidcClaim: 'groups claim' }, /--oidc-claim must be a claim name/],
    [{ ...ok, oidcScope: 'email profile' }, /must include "openid"/],
    [{ ...ok, oidcSessionMax: 'forever' }, /--oidc-session-max:/],
    [{ ...ok, oidcSessionMax: '90d' }, /from 1s to 30d/],
  ];
  for (const [flags, message] of cases) assert.throws(() => oidcSettingsOf(flags), message, JSON.stringify(flags));
});

void test('the page to return to after sign-in is a path on this server', () => {
  assert.equal(safeReturnPath('/projects/shop?env=production'), '/projects/shop?env=production');
  for (const bad of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'projects', '', 3, undefined]) assert.equal(safeReturnPath(bad), '/', String(bad));
});
