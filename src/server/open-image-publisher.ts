// The image publisher of a server started with --registry: credentials are read from their
// secret group at each push (keys `username` and `password`), never kept elsewhere.
import { ImageError } from '../errors.ts';
import type { ImagePublisher } from '../image/image-publisher.ts';
import type { RegistryCredentials } from '../image/registry-auth.ts';
import { RegistryPublisher } from '../image/registry-publisher.ts';

export interface RegistryOptions {
  /** `http://127.0.0.1:5000` or `https://registry.example.com[/prefix]`. */
  url: string;
  /** The secret group with `username` and `password`; null: anonymous. */
  credentialsGroup: string | null;
}

export function openImagePublisher(registry: RegistryOptions, readSecret: (group: string, key: string) => Promise<string | null>): ImagePublisher {
  const credentials = async (): Promise<RegistryCredentials | null> => {
    const group = registry.credentialsGroup;
    if (group === null) return null;
    const [username, password] = [await readSecret(group, 'username'), await readSecret(group, 'password')];
    if (username === null || password === null) {
      throw new ImageError(`--registry-credentials ${group}: the secret group needs the keys username and password (sluice secret set ${group} username)`, { details: { group } });
    }
    return { username, password, group };
  };
  return new RegistryPublisher({ registry: registry.url, credentials });
}
