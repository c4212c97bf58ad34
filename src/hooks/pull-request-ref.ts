// Where each host keeps the head of a pull request in the BASE repository, so that a fork's
// commits can be fetched without knowing (or trusting) the fork's address. Bitbucket Cloud has
// no such ref (Bitbucket Server's refs/pull-requests/N/from is not Cloud's): null.
import type { GitHost } from './hook-types.ts';

export function pullRequestRef(host: GitHost, number: number): string | null {
  switch (host) {
    case 'github':
    case 'gitea':
      return `refs/pull/${number}/head`;
    case 'gitlab':
      return `refs/merge-requests/${number}/head`;
    case 'bitbucket':
      return null;
  }
}
