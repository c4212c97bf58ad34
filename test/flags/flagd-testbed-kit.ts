// A small reader of flagd-testbed's evaluator gherkin files (test/fixtures/flagd-testbed, copied
// from open-feature/flagd-testbed at 82ba89e): each Scenario Outline row becomes a case with its
// flag, context and expected value/reason/error code. Rows tagged @fractional-v1 (the legacy
// bucketing flagd no longer uses) are left out; a step this reader does not know skips the scenario.
import fs from 'node:fs';
import path from 'node:path';

export interface TestbedCase {
  name: string;
  flagKey: string;
  type: string;
  fallback: unknown;
  context: Record<string, unknown>;
  value?: unknown;
  reason?: string;
  errorCode?: string;
}

export const testbedDir = path.join(import.meta.dirname, '..', 'fixtures', 'flagd-testbed');

function typed(type: string, raw: string): unknown {
  switch (type) {
    case 'Integer':
    case 'Float':
      return Number(raw);
    case 'Boolean':
      return raw === 'true';
    case 'Object':
      return JSON.parse(raw) as unknown;
    default:
      return raw;
  }
}

function fill(text: string, row: Record<string, string>): string {
  return text.replace(/<([^>]+)>/g, (_m, k: string) => row[k] ?? `<${k}>`);
}

function runSteps(name: string, steps: string[], row: Record<string, string>): TestbedCase | null {
  const c: Partial<TestbedCase> & { context: Record<string, unknown> } = { name, context: {} };
  for (const raw of steps) {
    const s = fill(raw, row);
    let m: RegExpExecArray | null;
    if (/^(Given|When) (an evaluator|the flag was evaluated with details)$/.test(s)) continue;
    if ((m = /^(?:Given|And) an? (\w+)-flag with key "([^"]*)" and a fallback value "([^"]*)"$/.exec(s))) {
      c.type = m[1]!;
      c.flagKey = m[2]!;
      c.fallback = typed(m[1]!, m[3]!);
    } else if ((m = /^(?:Given|And) a context containing a targeting key with value "([^"]*)"$/.exec(s))) c.context.targetingKey = m[1]!;
    else if ((m = /^(?:Given|And) a context containing a nested property with outer key "([^"]*)" and inner key "([^"]*)", with value "([^"]*)"$/.exec(s))) {
      c.context[m[1]!] = { ...(c.context[m[1]!] as object | undefined), [m[2]!]: m[3]! };
    } else if ((m = /^(?:Given|And) a context containing a key "([^"]*)", with type "([^"]*)" and with value "([^"]*)"$/.exec(s))) c.context[m[1]!] = typed(m[2]!, m[3]!);
    else if ((m = /^(?:Then|And) the resolved details value should be "([^"]*)"$/.exec(s))) c.value = m[1]!;
    else if ((m = /^(?:Then|And) the reason should be "([^"]*)"$/.exec(s))) c.reason = m[1]!;
    else if ((m = /^(?:Then|And) the error-code should be "([^"]*)"$/.exec(s))) c.errorCode = m[1]!;
    else return null;
  }
  if (c.flagKey === undefined || c.value === undefined) return null;
  return { ...c, value: typed(c.type ?? 'String', c.value as string) } as TestbedCase;
}

export function readTestbedCases(): { cases: TestbedCase[]; skipped: string[] } {
  const cases: TestbedCase[] = [];
  const skipped: string[] = [];
  for (const file of fs.readdirSync(testbedDir).filter((f) => f.endsWith('.feature'))) {
    const lines = fs.readFileSync(path.join(testbedDir, file), 'utf8').split('\n');
    let scenario = '';
    let steps: string[] = [];
    let header: string[] | null = null;
    let skipRows = false;
    let tags: string[] = [];
    for (const rawLine of lines) {
      const line = rawLine.trim();
      if (line.startsWith('#') || line === '') continue;
      if (line.startsWith('@')) {
        tags = line.split(/\s+/);
        continue;
      }
      if (line.startsWith('Scenario')) {
        scenario = `${file}: ${line.replace(/^Scenario( Outline)?:\s*/, '')}`;
        steps = [];
        header = null;
        skipRows = tags.includes('@fractional-v1');
        tags = [];
        continue;
      }
      if (line.startsWith('Examples')) {
        header = null;
        skipRows = tags.includes('@fractional-v1');
        tags = [];
        continue;
      }
      if (line.startsWith('|')) {
        const cells = line.slice(1, -1).split('|').map((x) => x.trim());
        if (!header) {
          header = cells;
          continue;
        }
        if (skipRows) continue;
        const row = Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
        const c = runSteps(`${scenario} ${JSON.stringify(row)}`, steps, row);
        if (c) cases.push(c);
        else skipped.push(scenario);
        continue;
      }
      if (/^(Given|When|Then|And|But) /.test(line)) {
        steps.push(line);
        header = null;
        tags = [];
      }
    }
  }
  return { cases, skipped: [...new Set(skipped)] };
}
