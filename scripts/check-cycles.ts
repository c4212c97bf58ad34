// Import cycles in src/, type-only imports included. ESLint's import-x/no-cycle skips
// `import type` (it has no option to count them), yet a type cycle still ties two modules'
// designs together. TypeScript's own scanner lists every import; Tarjan's algorithm finds the
// strongly connected components. Exit 1 when any component has more than one module.
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(import.meta.dirname, '..');
const parsed = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); } });
if (!parsed) throw new Error('cannot read tsconfig.json');
const src = path.join(root, 'src') + path.sep;
const files = parsed.fileNames.filter((f) => f.startsWith(src));
const known = new Set(files);

const edges = new Map<string, string[]>();
for (const file of files) {
  const info = ts.preProcessFile(ts.sys.readFile(file) ?? '', true, true);
  const targets = info.importedFiles
    .map((i) => ts.resolveModuleName(i.fileName, file, parsed.options, ts.sys).resolvedModule?.resolvedFileName)
    .filter((t): t is string => t !== undefined && known.has(t) && t !== file);
  edges.set(file, [...new Set(targets)]);
}

// Tarjan, iteratively (deep import chains would overflow a recursive version's stack).
let counter = 0;
const index = new Map<string, number>();
const low = new Map<string, number>();
const stack: string[] = [];
const onStack = new Set<string>();
const components: string[][] = [];
for (const start of files) {
  if (index.has(start)) continue;
  const work: Array<{ node: string; next: number }> = [{ node: start, next: 0 }];
  index.set(start, counter);
  low.set(start, counter++);
  stack.push(start);
  onStack.add(start);
  while (work.length) {
    const frame = work[work.length - 1]!;
    const out = edges.get(frame.node) ?? [];
    if (frame.next < out.length) {
      const to = out[frame.next++]!;
      if (!index.has(to)) {
        index.set(to, counter);
        low.set(to, counter++);
        stack.push(to);
        onStack.add(to);
        work.push({ node: to, next: 0 });
      } else if (onStack.has(to)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
      continue;
    }
    work.pop();
    const parent = work[work.length - 1];
    if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
    if (low.get(frame.node) === index.get(frame.node)) {
      const component: string[] = [];
      let n: string;
      do {
        n = stack.pop()!;
        onStack.delete(n);
        component.push(n);
      } while (n !== frame.node);
      if (component.length > 1) components.push(component);
    }
  }
}

for (const c of components) {
  const inside = new Set(c);
  console.error(`import cycle (type imports included) among ${c.length} modules:`);
  for (const f of c.sort()) console.error(`  ${path.relative(root, f)} -> ${(edges.get(f) ?? []).filter((t) => inside.has(t)).map((t) => path.relative(root, t)).join(', ')}`);
}
if (components.length) process.exitCode = 1;
else console.log(`no import cycles among ${files.length} modules of src/ (type imports included)`);
