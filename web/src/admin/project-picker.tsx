// The project a project page shows, chosen from the projects the session sees; the choice is in
// the URL (?project=) so the view can be shared. Without one, the first project is taken.
import type { JSX } from 'preact';
import { useEffect } from 'preact/hooks';
import type { ProjectJson } from '../api-types.ts';
import type { PageProps } from '../page-props.ts';
import { ErrorNote } from '../error-note.tsx';
import { Options } from '../table-parts.tsx';
import { useApiData } from '../use-api-data.ts';

export function useProjects({ api, onError }: Pick<PageProps, 'api' | 'onError'>): { names: string[] | null; error: unknown } {
  const { data, error } = useApiData<ProjectJson[]>(api, onError, '/api/projects');
  return { names: data ? data.map((p) => p.name).sort() : null, error };
}

export function ProjectPicker({ names, value, onChange, allowAll = false }: { names: readonly string[]; value: string; onChange: (name: string) => void; allowAll?: boolean }) {
  return (
    <label class="field">
      Project
      <select value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <Options values={allowAll ? [['', 'All projects'], ...names] : names} />
      </select>
    </label>
  );
}

/** The project of the URL, or the first one (written into the URL); null while loading or when there is none. */
export function useChosenProject(props: Pick<PageProps, 'api' | 'onError'>, asked: string | null, choose: (name: string) => void): { names: string[] | null; project: string | null; note: JSX.Element | null } {
  const { names, error } = useProjects(props);
  const first = names?.[0];
  useEffect(() => {
    if (!asked && first !== undefined) choose(first);
  }, [asked, first, choose]);
  if (error !== null) return { names, project: null, note: <ErrorNote error={error} /> };
  if (names === null) return { names, project: null, note: <p aria-busy="true">Loading…</p> };
  if (names.length === 0) return { names, project: null, note: <p>No projects yet.</p> };
  return { names, project: asked ?? first ?? null, note: null };
}
