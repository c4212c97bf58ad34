// Every key of the published JSON Schema is exercised by a test, named here. A key added to
// the schema without an entry fails this test; an entry whose file or test name no longer
// exists fails it too. Entries in test/spec only parse and compile the key (no run uses it
// yet); entries in test/e2e run a pipeline that depends on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';

const SPEC = 'test/spec/parse-spec.test.ts';
const BOUNDS = 'test/spec/spec-bounds.test.ts';
const DESIGN = `${SPEC}: the DESIGN.md example compiles to typed, defaulted values`;
const ORDER = `${SPEC}: order, defaults and stringified env values`;
const TYPED = `${BOUNDS}: verify steps, canary options and preview env compile to their typed values`;
const STAGES_FAIL = 'test/e2e/pipeline-stages.test.ts: a failing build step fails the run at build: nothing after it starts';
const CLEAN_ENV = 'test/e2e/pipeline-stages.test.ts: steps run in a clean, explicit environment without the server’s own variables';
const ROUTING = 'test/e2e/deploy-routing.test.ts: instances: 2 runs two processes, each with PORT and the service env and nothing of the server env';
const VERIFY = 'test/e2e/deploy-gates.test.ts: a commit that fails staging verification never changes production';
const CANARY_ABORT = 'test/e2e/rollout-canary.test.ts: a canary answering 500 on 30% of requests aborts by itself; production stays on v1 with no canary left';
const TRIGGERS = 'test/e2e/hooks-triggers.test.ts: triggers: branches, paths and tags decide which webhook pushes run';
const DOMAINS = 'test/spec/domain-keys.test.ts: domains, hsts and previews.domain compile to lowercase names, certificate references and header values';
const DOMAINS_E2E = 'test/e2e/domains.test.ts: a domain held by another project fails its deploy naming the holder; production keeps serving; dropping the domain frees it';
const PROVIDED = 'test/engine/domain-claims.test.ts: a provided certificate (chain and key in one value) is checked, stored with its key sealed, and the reconciler runs';
const ALERTS = 'test/spec/alert-keys.test.ts: alerts compile to metrics, thresholds in their unit, for, action and the window';
const ALERT_E2E = 'test/e2e/alerts.test.ts: a release answering 30% 500s: the notify alert fires without rollback, the rollback alert fires after its `for` and the previous release serves again; a restart keeps the states';
const PREVIEW = 'test/e2e/hooks-hosts.test.ts: a signed push deploys; a signed pull request opens, updates and removes its preview';

const NOTIFY = 'test/spec/notification-keys.test.ts: notification targets compile with their format (webhook by default), events and secret references';

const IMAGE_KEYS = 'test/spec/image-key.test.ts: a base that is not a valid reference, a workdir that is not absolute or not plain, an unknown key: refused at line and column';
const IMAGE_E2E = 'test/e2e/image-registry.test.ts: a commit of an image: project pushes PROJECT:rN, the release records its digest, the app serves as processes, a rollback keeps the earlier digest';

/** JSON path of a key (`*` a map entry, `[]` a list item) → `FILE: TEST NAME` of a test that exercises it. */
const COVERAGE: Record<string, string> = {
  image: IMAGE_E2E,
  'image.base': IMAGE_KEYS,
  'image.workdir': IMAGE_KEYS,
  flags: 'test/e2e/flags-cli.test.ts: flags: deploy, set, get, list, history, revert, bad input, redeploy, archive, invalid file, permissions, audit',
  notifications: NOTIFY,
  'notifications[].url': NOTIFY,
  'notifications[].format': NOTIFY,
  'notifications[].events': NOTIFY,
  'build[].network': 'test/runner/sandboxed-runner.test.ts: network: false cuts a step off the host network; the default keeps it',
  'build[].limits': 'test/runner/sandboxed-runner.test.ts: crossing a limit fails the step and names the limit',
  'build[].limits.memory': 'test/spec/sandbox-keys.test.ts: bad limits and network values are refused with the bound',
  'build[].limits.processes': 'test/spec/sandbox-keys.test.ts: bad limits and network values are refused with the bound',
  'build[].limits.openFiles': 'test/spec/sandbox-keys.test.ts: bad limits and network values are refused with the bound',
  'build[].limits.fileSize': 'test/spec/sandbox-keys.test.ts: bad limits and network values are refused with the bound',
  'test[].network': 'test/runner/sandboxed-runner.test.ts: network: false cuts a step off the host network; the default keeps it',
  'test[].limits': 'test/runner/sandboxed-runner.test.ts: crossing a limit fails the step and names the limit',
  'test[].limits.memory': 'test/spec/sandbox-keys.test.ts: bad limits and network values are refused with the bound',
  'test[].limits.processes': 'test/spec/sandbox-keys.test.ts: bad limits and network values are refused with the bound',
  'test[].limits.openFiles': 'test/spec/sandbox-keys.test.ts: bad limits and network values are refused with the bound',
  'test[].limits.fileSize': 'test/spec/sandbox-keys.test.ts: bad limits and network values are refused with the bound',
  'environments.*.verify[].network': 'test/runner/sandboxed-runner.test.ts: network: false cuts a step off the host network; the default keeps it',
  'environments.*.verify[].limits': 'test/runner/sandboxed-runner.test.ts: crossing a limit fails the step and names the limit',
  'environments.*.verify[].limits.memory': 'test/spec/sandbox-keys.test.ts: bad limits and network values are refused with the bound',
  'environments.*.verify[].limits.processes': 'test/spec/sandbox-keys.test.ts: bad limits and network values are refused with the bound',
  'environments.*.verify[].limits.openFiles': 'test/spec/sandbox-keys.test.ts: bad limits and network values are refused with the bound',
  'environments.*.verify[].limits.fileSize': 'test/spec/sandbox-keys.test.ts: bad limits and network values are refused with the bound',
  'services.*.limits': 'test/spec/sandbox-keys.test.ts: a service takes limits; a limit left out keeps its default',
  'services.*.limits.memory': 'test/runtime/sandboxed-instance.test.ts: an instance over its limit is restarted with the limit named',
  'services.*.limits.processes': 'test/runtime/sandboxed-instance.test.ts: an instance over its limit is restarted with the limit named',
  'services.*.limits.openFiles': 'test/runtime/sandboxed-instance.test.ts: an instance over its limit is restarted with the limit named',
  'services.*.limits.fileSize': 'test/runtime/sandboxed-instance.test.ts: an instance over its limit is restarted with the limit named',
  build: STAGES_FAIL,
  'build[].run': STAGES_FAIL,
  'build[].name': CLEAN_ENV,
  'build[].timeout': 'test/e2e/pipeline-control.test.ts: a step over its timeout fails the run with a reason saying so',
  'build[].env': `${BOUNDS}: env maps: at most 256 variables and 64 KiB; no NUL in values or commands`,
  test: 'test/e2e/pipeline-stages.test.ts: a failing test step fails the run at test (the unpacked artifact has no .git)',
  'test[].run': CLEAN_ENV,
  'test[].name': CLEAN_ENV,
  'test[].timeout': ORDER,
  'test[].env': ORDER,
  services: 'test/e2e/deploy-routing.test.ts: a commit reaches staging and production; status, URLs and host matching follow the contract',
  'services.*.start': 'test/e2e/deploy-faults.test.ts: a start command that exits at once fails the run with its exit code; the old release keeps serving',
  'services.*.health': 'test/e2e/deploy-faults.test.ts: a service that never passes its health check fails the run naming the check; the old release keeps serving',
  'services.*.health.path': 'test/e2e/deploy-faults.test.ts: a service that never passes its health check fails the run naming the check; the old release keeps serving',
  'services.*.health.interval': `${BOUNDS}: durations where 0 means nothing are refused at 0, and every duration has a maximum`,
  'services.*.health.timeout': `${BOUNDS}: the bounds themselves are accepted, 0 where it has a meaning, numbers in seconds`,
  'services.*.health.deadline': 'test/e2e/deploy-faults.test.ts: a service that never passes its health check fails the run naming the check; the old release keeps serving',
  'services.*.instances': ROUTING,
  'services.*.env': ROUTING,
  buildSecrets: 'test/e2e/secrets-bad-input.test.ts: a build that writes a build secret into its workspace fails at build, naming the secret and the file; no artifact, no release',
  environments: 'test/e2e/deploy-routing.test.ts: a commit reaches staging and production; status, URLs and host matching follow the contract',
  'environments.*.secrets': 'test/e2e/secrets-config.test.ts: a rollback restores the configuration of the release it puts back: secret versions and plain env',
  'environments.*.env': 'test/e2e/secrets-config.test.ts: a rollback restores the configuration of the release it puts back: secret versions and plain env',
  'environments.*.verify': VERIFY,
  'environments.*.verify[].run': VERIFY,
  'environments.*.verify[].name': TYPED,
  'environments.*.verify[].timeout': TYPED,
  'environments.*.verify[].env': TYPED,
  'environments.*.approval': 'test/e2e/deploy-gates.test.ts: approval: true waits for a person; approve deploys, reject cancels, a newer run supersedes a waiting one',
  'environments.*.strategy': 'test/e2e/rollout-surge.test.ts: maxSurge 2, maxUnavailable 0: serving instances stay within [3, 5] and two new instances start at once',
  'environments.*.strategy.rolling': 'test/e2e/rollout-surge.test.ts: maxSurge 2, maxUnavailable 0: serving instances stay within [3, 5] and two new instances start at once',
  'environments.*.strategy.rolling.maxSurge': 'test/e2e/rollout-surge.test.ts: maxSurge 2, maxUnavailable 0: serving instances stay within [3, 5] and two new instances start at once',
  'environments.*.strategy.rolling.maxUnavailable': 'test/e2e/rollout-surge.test.ts: maxSurge 0, maxUnavailable 1: serving instances stay within [2, 3], one new instance at a time',
  'environments.*.strategy.blueGreen': 'test/e2e/rollout-blue-green.test.ts: blue/green: green verified through its preview before the switch; the switch and a rollback under load fail nothing',
  'environments.*.strategy.blueGreen.scaleDownDelay': 'test/e2e/rollout-blue-green.test.ts: blue/green: green verified through its preview before the switch; the switch and a rollback under load fail nothing',
  'environments.*.strategy.blueGreen.analysis': `${BOUNDS}: analysis under blueGreen is refused with the reason`,
  'environments.*.strategy.canary': CANARY_ABORT,
  'environments.*.strategy.canary.steps': CANARY_ABORT,
  'environments.*.strategy.canary.steps[].weight': 'test/e2e/rollout-weights.test.ts: during a canary step of weight 20: weights 60/20/20, header routing, and a baseline of v1 running',
  'environments.*.strategy.canary.steps[].pause': 'test/e2e/rollout-manual.test.ts: pause: {} waits for a person; promote takes one step, promote --full finishes',
  'environments.*.strategy.canary.analysis': CANARY_ABORT,
  'environments.*.strategy.canary.analysis.maxErrorRate': CANARY_ABORT,
  'environments.*.strategy.canary.analysis.maxP99': TYPED,
  'environments.*.strategy.canary.analysis.minSamples': CANARY_ABORT,
  'environments.*.strategy.canary.analysis.interval': CANARY_ABORT,
  'environments.*.strategy.canary.analysis.alpha': TYPED,
  'environments.*.strategy.canary.sticky': TYPED,
  'environments.*.approvers': "test/e2e/auth-cli.test.ts: approvers: only the listed tokens and roles approve a gate, and allowSelf: false bars the run's triggerer",
  'environments.*.approvers.allow': "test/e2e/auth-cli.test.ts: approvers: only the listed tokens and roles approve a gate, and allowSelf: false bars the run's triggerer",
  'environments.*.approvers.allowSelf': "test/e2e/auth-cli.test.ts: approvers: only the listed tokens and roles approve a gate, and allowSelf: false bars the run's triggerer",
  'environments.*.domains': DOMAINS_E2E,
  'environments.*.domains[].name': DOMAINS,
  'environments.*.domains[].certificate': PROVIDED,
  'environments.*.domains[].certificate.group': PROVIDED,
  'environments.*.domains[].certificate.key': PROVIDED,
  'environments.*.accessLog': 'test/e2e/access-log.test.ts: access log: requests through the router are searchable with sluice logs --grep, with scope, stream and level',
  'environments.*.accessLog.sample': 'test/spec/access-log-key.test.ts: accessLog compiles to a sample share: off by default, all is 1, a percentage or fraction is that share',
  'environments.*.hsts': DOMAINS_E2E,
  'environments.*.hsts.maxAge': DOMAINS,
  'environments.*.hsts.includeSubDomains': DOMAINS,
  'previews.domain': 'test/e2e/domains.test.ts: a preview answers pr-N.previews.domain through the router; closing it releases the name; webhook URLs use an https --public-url',
  'environments.*.bake': 'test/e2e/rollout-bake.test.ts: a version that starts failing after promotion is rolled back by the bake window',
  'environments.*.alerts': ALERT_E2E,
  'environments.*.alerts[].name': ALERT_E2E,
  'environments.*.alerts[].metric': ALERT_E2E,
  'environments.*.alerts[].above': ALERT_E2E,
  'environments.*.alerts[].below': ALERTS,
  'environments.*.alerts[].for': ALERT_E2E,
  'environments.*.alerts[].action': ALERT_E2E,
  'environments.*.alertWindow': ALERTS,
  previews: PREVIEW,
  'previews.pullRequests': PREVIEW,
  'previews.secrets': DESIGN,
  'previews.forkSecrets': "test/e2e/hooks-forks.test.ts: a fork's preview waits for a deployer, gets only the base branch's forkSecrets, and survives the reconciler",
  'previews.ttl': DESIGN,
  'previews.scaleToZero': DESIGN,
  'previews.env': TYPED,
  triggers: TRIGGERS,
  'triggers.branches': TRIGGERS,
  'triggers.paths': 'test/e2e/poll-triggers.test.ts: polling skips a commit that changes no path of triggers.paths, and runs one that does',
  'triggers.tags': TRIGGERS,
};

type SchemaNode = {
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  allOf?: SchemaNode[];
};

/** Every key path of the schema: object properties, map entries (`*`) and list items (`[]`). */
function keysOf(node: SchemaNode, path: string, out: Set<string>): Set<string> {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const at = path === '' ? key : `${path}.${key}`;
    out.add(at);
    keysOf(child, at, out);
  }
  if (typeof node.additionalProperties === 'object') keysOf(node.additionalProperties, `${path}.*`, out);
  if (node.items) keysOf(node.items, `${path}[]`, out);
  for (const branch of [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])]) keysOf(branch, path, out);
  return out;
}

const root = new URL('../../', import.meta.url);

void test('every key of schema/sluice.schema.json is exercised by a named test', () => {
  const schema = JSON.parse(readFileSync(new URL('schema/sluice.schema.json', root), 'utf8')) as SchemaNode;
  const keys = keysOf(schema, '', new Set());
  assert.ok(keys.size > 50, `only ${keys.size} keys found: the walk misses part of the schema`);
  const missing = [...keys].filter((key) => COVERAGE[key] === undefined);
  assert.deepEqual(missing, [], `keys no test exercises (add a test and an entry to COVERAGE): ${missing.join(', ')}`);
  const stale = Object.keys(COVERAGE).filter((key) => !keys.has(key));
  assert.deepEqual(stale, [], `entries for keys the schema no longer has: ${stale.join(', ')}`);
});

void test('every test named in the coverage map exists', () => {
  for (const [key, where] of Object.entries(COVERAGE)) {
    const split = where.indexOf(': ');
    assert.ok(split > 0, `${key}: "${where}" is not "FILE: TEST NAME"`);
    const file = where.slice(0, split);
    const name = where.slice(split + 2);
    const url = new URL(file, root);
    assert.ok(existsSync(url), `${key}: ${file} does not exist`);
    const declared = readFileSync(url, 'utf8')
      .split('\n')
      .some((line) => line.includes('test(') && line.includes(name));
    assert.ok(declared, `${key}: ${file} has no test named "${name}"`);
  }
});
