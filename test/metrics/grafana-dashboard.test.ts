// docs/grafana/sluice.json: valid dashboard JSON whose every PromQL expression names only metrics
// Sluice exposes (src/metrics/metric-catalog.ts) and parses (promtool check rules).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { metricCatalog } from '../../src/metrics/metric-catalog.ts';
import { root, tempDir } from '../e2e/harness.ts';

interface Panel {
  type: string;
  title: string;
  targets?: Array<{ expr: string }>;
}

const dashboard = JSON.parse(fs.readFileSync(path.join(root, 'docs', 'grafana', 'sluice.json'), 'utf8')) as {
  title: string;
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; definition?: string }> };
};

const expressions = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: p.title, expr: t.expr })));
const variableQueries = dashboard.templating.list.filter((v) => v.definition).map((v) => ({ where: `variable ${v.name}`, expr: v.definition! }));

/** The series names an expression reads: sluice_… identifiers, histogram suffixes taken off. */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\bsluice_[a-z0-9_]+/g)].map((m) => m[0]);
}

const exposed = new Set(
  Object.values(metricCatalog).flatMap((d) => (d.type === 'histogram' ? [`${d.name}_bucket`, `${d.name}_sum`, `${d.name}_count`] : [d.name])),
);

void test('the dashboard is a dashboard: title, uid, panels with queries', () => {
  assert.equal(dashboard.title, 'Sluice');
  assert.ok(dashboard.uid);
  assert.ok(expressions.length >= 15, `${expressions.length} queries`);
});

void test('every expression names only metrics Sluice exposes, and every metric is on the dashboard', () => {
  const used = new Set<string>();
  for (const { where, expr } of [...expressions, ...variableQueries]) {
    const names = metricNames(expr);
    assert.ok(names.length > 0, `${where}: ${expr} reads no sluice_ metric`);
    for (const name of names) {
      assert.ok(exposed.has(name), `${where}: ${name} is not a metric of src/metrics/metric-catalog.ts`);
      used.add(name.replace(/_(bucket|sum|count)$/, ''));
    }
  }
  const missing = Object.values(metricCatalog).map((d) => d.name).filter((n) => !used.has(n));
  assert.deepEqual(missing, [], 'metrics without a panel');
});

void test('every expression is valid PromQL (promtool check rules, with the dashboard variables filled in)', () => {
  const dir = tempDir('grafana-rules');
  try {
    const rules = [...expressions, ...variableQueries.map((v) => ({ ...v, expr: v.expr.replace(/^label_values\((.*), \w+\)$/, '$1') }))].map((e, i) => {
      const expr = e.expr.replaceAll('$project', '.*').replaceAll('$environment', '.*');
      return `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(expr)}`;
    });
    const file = path.join(dir, 'rules.yml');
    fs.writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
    const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    if (r.error) throw new Error(`promtool could not run (install the Debian package prometheus): ${r.error.message}`);
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
