// A wide table's frame: it scrolls sideways on a narrow screen, and keyboard users can focus it
// to scroll (a scrollable region needs a tab stop and a name).
import type { ComponentChildren } from 'preact';

export function ScrollArea({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="scroll" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
