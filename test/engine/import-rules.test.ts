// The import rules of docs/ARCHITECTURE.md: no cycles (type imports included), and the engine
// imports only ports, never a driver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { root } from '../e2e/harness.ts';

void test('src/ has no import cycle, type imports included', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/check-cycles.ts'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

/** What the engine may import outside itself: the ports and pure code. */
const allowed = [
  /^\.\.\/(\.\.\/)*(spec|analysis|hooks|secrets|audit|flags)\//, // pure (flags: also the FlagPublisher port)
  /^\.\.\/(\.\.\/)*sandbox\/sandbox-limits\.ts$/, // pure: the limits' type and defaults
  /^\.\.\/(\.\.\/)*errors\.ts$/,
  /^\.\.\/(\.\.\/)*config\/environment\.ts$/,
  /^\.\.\/(\.\.\/)*store\/(store|records|stored-json)\.ts$/,
  /^\.\.\/(\.\.\/)*logs\/(log-store|log-writer|log-entry)\.ts$/, // the LogStore's types, the writer port, pure line handling
  /^\.\.\/(\.\.\/)*runner\/runner\.ts$/,
  /^\.\.\/(\.\.\/)*runtime\/runtime\.ts$/,
  /^\.\.\/(\.\.\/)*router\/(router|route-table|traffic-answer)\.ts$/,
  /^\.\.\/(\.\.\/)*source\/source\.ts$/,
  /^\.\.\/(\.\.\/)*artifact\/artifacts\.ts$/,
  /^\.\.\/(\.\.\/)*image\/image-publisher\.ts$/, // the ImagePublisher port (never the registry client)
  /^\.\.\/(\.\.\/)*domains\/domain-claim\.ts$/, // pure: the claim's type
  /^\.\.\/(\.\.\/)*alerts\/alert-records\.ts$/, // pure: alert states and their change records
  /^\.\.\/(\.\.\/)*events\/(event-log|platform-event)\.ts$/, // the event log (over the store's port) and its record
  /^\.\.\/(\.\.\/)*metrics\/(metrics|metric-catalog)\.ts$/, // the metrics port and its catalog (never prom-client)
  /^\.\.\/(\.\.\/)*events\/(event-log|platform-event)\.ts$/, // the event log (over its EventRecords port) and the event's shape
  // Ports (reconciler, store), the record, and the pure check of a provided certificate; never the ACME manager.
  /^\.\.\/(\.\.\/)*certificates\/(certificate-reconciler|certificate-record|certificate-store|provided-certificate)\.ts$/,
];

void test('the engine imports only ports and pure code', () => {
  const engine = path.join(root, 'src', 'engine');
  const bad: string[] = [];
  for (const file of fs.readdirSync(engine, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
    const full = path.join(engine, file);
    for (const m of fs.readFileSync(full, 'utf8').matchAll(/^import[^'"]*from '(\.[^']+)'/gm)) {
      const spec = m[1]!;
      const target = path.resolve(path.dirname(full), spec);
      if (target.startsWith(engine + path.sep)) continue;
      if (!allowed.some((a) => a.test(spec))) bad.push(`src/engine/${file} -> ${spec}`);
    }
  }
  assert.deepEqual(bad, []);
});
