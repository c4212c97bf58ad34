// The dashboard's client of the public API: the session cookie goes along by itself
// (same origin); changes carry the session's CSRF token. Errors keep the API's status and message.
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly needed: string | null;
  /** The API's `details`: a refused field's name is a key (a form shows the message beside it). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(status: number, code: string, message: string, needed: string | null, details: Readonly<Record<string, unknown>> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.needed = needed;
    this.details = details;
  }
}

export interface SessionInfo {
  signedIn: true;
  name: string;
  role: string;
  projects: readonly string[] | null;
  environments: readonly string[] | null;
  via: string;
  csrfToken?: string;
  expiresAt?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export class ApiClient {
  private csrfToken: string | null = null;

  setSession(session: SessionInfo | null): void {
    this.csrfToken = session?.csrfToken ?? null;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (method !== 'GET') {
      headers['content-type'] = 'application/json';
      if (this.csrfToken) headers['x-csrf-token'] = this.csrfToken;
    }
    const res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let data: unknown = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!res.ok) {
      const message = isRecord(data) && typeof data.message === 'string' ? data.message : `${res.status} ${res.statusText}`;
      const code = isRecord(data) && typeof data.code === 'string' ? data.code : 'error';
      const details = isRecord(data) && isRecord(data.details) ? data.details : {};
      throw new ApiError(res.status, code, message, typeof details.needed === 'string' ? details.needed : null, details);
    }
    return data as T;
  }
}
