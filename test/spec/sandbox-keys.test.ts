// `network` of a step and `limits` of a step or service: defaults (also in the JSON Schema),
// sizes compiled to bytes, bad values refused at their position with the bound in the message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { specJsonSchema } from '../../src/spec/json-schema.ts';
import { DEFAULT_SANDBOX_LIMITS } from '../../src/sandbox/sandbox-limits.ts';
import { errorsOf, valid } from './spec-kit.ts';

void test('steps have network and the default limits unless they say otherwise', () => {
  const spec = valid('build:\n  - run: make\n  - run: make test\n    network: false\n    limits: { memory: 512MiB, processes: 64, openFiles: 256, fileSize: 10MiB }\n');
  assert.equal(spec.build[0]!.network, true);
  assert.deepEqual(spec.build[0]!.limits, DEFAULT_SANDBOX_LIMITS);
  assert.equal(spec.build[1]!.network, false);
  assert.deepEqual(spec.build[1]!.limits, { memoryBytes: 512 * 1024 ** 2, processes: 64, openFiles: 256, fileSizeBytes: 10 * 1024 ** 2 });
});

void test('a service takes limits; a limit left out keeps its default', () => {
  const spec = valid('services:\n  web:\n    start: node server.js\n    limits:\n      memory: 1GiB\n');
  assert.deepEqual(spec.services[0]!.limits, { ...DEFAULT_SANDBOX_LIMITS, memoryBytes: 1024 ** 3 });
});

void test('bad limits and network values are refused with the bound', () => {
  assert.deepEqual(errorsOf('build:\n  - run: x\n    limits: { memory: 1MiB }\n'), ['sluice.yaml:3:23: build[0].limits.memory: expected a size from 64MiB to 1024GiB (e.g. 512MiB, 2GiB)']);
  assert.deepEqual(errorsOf('build:\n  - run: x\n    limits: { processes: 2 }\n'), ['sluice.yaml:3:26: build[0].limits.processes: expected an integer from 8 to 1000000']);
  assert.deepEqual(errorsOf('build:\n  - run: x\n    limits: { fileSize: lots }\n'), ['sluice.yaml:3:25: build[0].limits.fileSize: expected a size from 1MiB to 1024GiB (e.g. 512MiB, 2GiB)']);
  assert.equal(errorsOf('build:\n  - run: x\n    limits: { cpu: 2 }\n').length, 1);
  assert.equal(errorsOf('build:\n  - run: x\n    network: maybe\n').length, 1);
});

void test('the JSON Schema states the defaults', () => {
  const text = JSON.stringify(specJsonSchema());
  for (const expected of ['"default":"4GiB"', '"default":1024', '"default":4096', '"default":"2GiB"', '"network":{"default":true']) assert.ok(text.includes(expected), expected);
});
