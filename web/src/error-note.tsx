// An API error as the person should read it: a 403 names the role that is needed.
import { ApiError } from './api-client.ts';

export function ErrorNote({ error }: { error: unknown }) {
  if (error instanceof ApiError && error.status === 403) {
    return (
      <p class="error" role="alert">
        {error.needed ? `This needs the ${error.needed} role. ` : 'Not allowed. '}
        {error.message}
      </p>
    );
  }
  return (
    <p class="error" role="alert">
      {error instanceof Error ? error.message : String(error)}
    </p>
  );
}
