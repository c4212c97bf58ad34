// Find the YAML node behind a path of the parsed value, to point errors at the text.
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Document, Node } from 'yaml';

export type SpecPath = readonly (string | number)[];

export type Located = {
  /** The value node at the full path, when the path exists in the text. */
  readonly value: Node | undefined;
  /** The key node of the last path segment, when that segment is a map key. */
  readonly key: Node | undefined;
  /** The deepest node the path reaches (the parent map of a missing key). */
  readonly deepest: Node | undefined;
  /** How many path segments were found. */
  readonly depth: number;
};

export function locate(doc: Document, path: SpecPath): Located {
  let node = resolve(doc, doc.contents);
  let key: Node | undefined;
  let depth = 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (pair === undefined) break;
      key = pair.key as Node;
      node = resolve(doc, pair.value as Node | null);
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) break;
      key = undefined;
      node = resolve(doc, item as Node | null);
    } else {
      break;
    }
    depth++;
    if (node === undefined) break;
  }
  const found = depth === path.length;
  // A key written with no value (`build:`) has no value node: its key stands in.
  return { value: found ? node : undefined, key: found ? key : undefined, deepest: node ?? key, depth };
}

/** Keys of the map at `path`, in the order written. */
export function keysInOrder(doc: Document, path: SpecPath): string[] | undefined {
  const { value } = locate(doc, path);
  if (!isMap(value)) return undefined;
  return value.items.flatMap((item) => (isScalar(item.key) ? [String(item.key.value)] : []));
}

function resolve(doc: Document, node: Node | null | undefined): Node | undefined {
  if (node === null || node === undefined) return undefined;
  if (isAlias(node)) return node.resolve(doc) ?? node;
  return node;
}
