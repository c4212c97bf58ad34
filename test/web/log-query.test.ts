// The dashboard's pure pieces of the Logs and Flags pages: the Logs URL ⇄ query ⇄ API path, and
// which field an API refusal belongs to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logApiPath, logPagePath, logQueryOf } from '../../web/src/log-query.ts';
import { fieldError } from '../../web/src/field-error.ts';
import { ApiError } from '../../web/src/api-client.ts';
import { matchFlagsPath, flagsPath } from '../../web/src/flag-paths.ts';

void test('the Logs URL holds the whole view: read back, written again, and turned into the API search', () => {
  const query = logQueryOf(new URLSearchParams('project=shop&env=production&q=%22connection+reset%22+level%3Awarn&since=1h&follow=1&unknown=x'));
  assert.deepEqual([query.project, query.env, query.run, query.follow], ['shop', 'production', '', true]);
  assert.equal(query.filters.q, '"connection reset" level:warn');
  assert.equal(query.filters.since, '1h');
  assert.equal(logPagePath(query), '/logs?project=shop&env=production&q=%22connection+reset%22+level%3Awarn&since=1h&follow=1', 'unknown parameters are not carried');
  assert.equal(logApiPath(query, { limit: '200' }), '/api/projects/shop/environments/production/logs?q=%22connection+reset%22+level%3Awarn&since=1h&limit=200');

  // Empty and blank fields are left out; a run's view has no project or environment.
  const run = { ...query, run: 'r/1', follow: false, filters: { ...query.filters, q: '  ', since: '' } };
  assert.equal(logPagePath(run), '/logs?run=r%2F1');
  assert.equal(logApiPath(run, { follow: '1' }), '/api/runs/r%2F1/logs?follow=1');

  // No scope yet: nothing to ask.
  assert.equal(logApiPath(logQueryOf(new URLSearchParams('project=shop')), {}), null);
  assert.equal(logPagePath(logQueryOf(new URLSearchParams(''))), '/logs');
});

void test("an API refusal goes beside the field its details or its message's first word name; anything else to the form", () => {
  const refused = (message: string, details: Record<string, unknown> = {}): ApiError => new ApiError(400, 'invalid_input', message, null, details);
  const fields = ['q', 'since', 'until', 'steps', 'percent'];
  assert.deepEqual(fieldError(refused('--percent 150: expected a number from 0 to 100', { percent: 150 }), fields), { field: 'percent', message: '--percent 150: expected a number from 0 to 100' });
  assert.equal(fieldError(refused('the time range is reversed: since … is not before until …', { since: 'a', until: 'b' }), fields).field, 'since');
  assert.equal(fieldError(refused('--steps: expected percentages such as 5,25,50,100'), fields).field, 'steps');
  assert.equal(fieldError(refused('q: the quote opened at character 1 is not closed', { q: '"a' }), fields).field, 'q');
  assert.equal(fieldError(refused('unknown parameter "x"', { unknown: ['x'] }), fields).field, null);
  assert.equal(fieldError(new ApiError(403, 'forbidden', 'this needs the deployer role; token w is viewer', 'deployer', { since: 1 }), fields).field, null, 'only a 400 is about a field');
  assert.equal(fieldError(new Error('offline'), fields).field, null);
});

void test('flag page paths: written and matched back, with escapes', () => {
  assert.equal(flagsPath('shop', 'pr-4', 'a.b'), '/projects/shop/environments/pr-4/flags/a.b');
  assert.deepEqual(matchFlagsPath('/projects/shop/environments/production/flags'), { project: 'shop', environment: 'production', key: null });
  assert.deepEqual(matchFlagsPath(flagsPath('shop', 'production', 'dark mode')), { project: 'shop', environment: 'production', key: 'dark mode' });
  assert.equal(matchFlagsPath('/projects/shop/environments/production'), null);
  assert.equal(matchFlagsPath('/projects/shop/environments/production/flags/%E0%A4%A'), null, 'a malformed escape is no page');
});
