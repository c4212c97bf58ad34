// An in-app link: a real <a href> (opens in a new tab, can be copied), followed without a page
// load on a plain click or Enter.
import type { ComponentChildren } from 'preact';
import { navigate } from './location.ts';

export function Link({ href, children, class: className, label, current }: { href: string; children: ComponentChildren; class?: string; label?: string; current?: boolean }) {
  return (
    <a
      href={href}
      class={className}
      aria-label={label}
      aria-current={current ? 'page' : undefined}
      onClick={(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.altKey || e.button !== 0) return;
        e.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}

/** A path with query parameters; empty and undefined values are left out. */
export function withSearch(path: string, params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
