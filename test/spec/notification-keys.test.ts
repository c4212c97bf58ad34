// notifications: what a target compiles to, and each bad input refused at its line and column
// with the reason (a URL that is not http(s), an unknown event name, …).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorsOf, valid } from './spec-kit.ts';

const file = (targets: string): string => `services:\n  web:\n    start: x\nnotifications:\n${targets}`;

void test('notification targets compile with their format (webhook by default), events and secret references', () => {
  const spec = valid(file(['  - url: ${{ secrets.SLACK_WEBHOOK }}', '    format: slack', '    events: [run.failed, rollback, alert.firing]', '  - url: https://ops.example.com/hooks/sluice', "    events: ['*']", ''].join('\n')));
  assert.deepEqual(spec.notifications, [
    { url: '${{ secrets.SLACK_WEBHOOK }}', format: 'slack', events: ['run.failed', 'rollback', 'alert.firing'] },
    { url: 'https://ops.example.com/hooks/sluice', format: 'webhook', events: ['*'] },
  ]);
  assert.deepEqual(valid(file('  []\n')).notifications, []);
  assert.deepEqual(valid('services:\n  web:\n    start: x\n').notifications, []);
});

void test('a notification URL that is not http(s) is refused at its line and column', () => {
  assert.deepEqual(errorsOf(file('  - url: ftp://files.example.com/in\n    events: [run.failed]\n')), ['sluice.yaml:5:10: notifications[0].url: the URL\'s scheme is ftp: expected http or https']);
});

void test('a notification URL that is not a URL at all is refused', () => {
  assert.match(errorsOf(file('  - url: ops.example.com/hook\n    events: [run.failed]\n'))[0] ?? '', /^sluice\.yaml:5:10: notifications\[0\]\.url: "ops\.example\.com\/hook" is not a URL: expected http\(s\):\/\/HOST\/PATH or \$\{\{ secrets\.NAME \}\}/);
});

void test('a secret reference inside a longer URL is refused: the whole URL must be the secret', () => {
  assert.match(errorsOf(file('  - url: https://hooks.example.com/${{ secrets.TOKEN }}\n    events: [run.failed]\n'))[0] ?? '', /^sluice\.yaml:5:10: notifications\[0\]\.url: a secret reference must be the whole value/);
});

void test('credentials inside a notification URL are refused', () => {
  assert.match(errorsOf(file('  - url: https://user:pw@hooks.example.com/x\n    events: [run.failed]\n'))[0] ?? '', /^sluice\.yaml:5:10: notifications\[0\]\.url: the URL must not hold a user name or password/);
});

void test('an unknown event name is refused at its line and column with a suggestion', () => {
  assert.match(errorsOf(file('  - url: https://ops.example.com/h\n    events: [run.failed, deploy.done, rolback]\n')).join('\n'), /^sluice\.yaml:6:26: notifications\[0\]\.events\[1\]: unknown event "deploy\.done": expected '\*' or one of run\.succeeded, .*\nsluice\.yaml:6:39: notifications\[0\]\.events\[2\]: unknown event "rolback" \(did you mean rollback\?\)/);
});

void test('an unknown format, an empty event list and an unknown key are refused', () => {
  const errors = errorsOf(file('  - url: https://ops.example.com/h\n    format: teams\n    events: []\n    secret: x\n'));
  assert.equal(errors.length, 3, errors.join('\n'));
  assert.match(errors.join('\n'), /sluice\.yaml:8:5: notifications\[0\]\.secret: unknown key "secret" \(allowed: url, format, events\)/);
  assert.match(errors.join('\n'), /sluice\.yaml:6:13: notifications\[0\]\.format: expected one of webhook, slack/);
  assert.match(errors.join('\n'), /sluice\.yaml:7:13: notifications\[0\]\.events: expected at least one event name/);
});
