// An in-app link: a real <a href> (opens in a new tab, can be copied), followed without a page
// load on a plain click or Enter.
import type { ComponentChildren } from 'preact';
import { navigate } from './location.ts';

export function Link({ href, children, class: className, label }: { href: string; children: ComponentChildren; class?: string; label?: string }) {
  return (
    <a
      href={href}
      class={className}
      aria-label={label}
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
