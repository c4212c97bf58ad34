// The CLI's only way to Sluice: the HTTP API.
import { createParser } from 'eventsource-parser';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(
    status: number,
    code: string,
    message: string,
  ) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export class ApiClient {
  readonly base: string;
  private readonly token: string | undefined;

  /** `token`: sent as Authorization: Bearer (none: only public routes answer). */
  constructor(base: string, token: string | undefined) {
    this.base = base;
    this.token = token;
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    return this.token === undefined ? extra : { ...extra, authorization: `Bearer ${this.token}` };
  }

  private failure(status: number, code: string | undefined, message: string | undefined): ApiError {
    let text = message ?? `HTTP ${status}`;
    if (status === 401 && this.token !== undefined) text += ' (check the token: sluice login again, or --token / SLUICE_TOKEN)';
    return new ApiError(status, code ?? 'error', text);
  }

  async request<T>(method: string, path: string, body?: unknown, timeoutMs = 120_000): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.base), {
        method,
        headers: this.headers({ 'content-type': 'application/json' }),
        body: body === undefined ? (method === 'GET' ? undefined : '{}') : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new ApiError(0, 'unreachable', `cannot reach the Sluice server at ${this.base} (${cause}): is \`sluice server\` running? (set --server or SLUICE_SERVER)`);
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = { message: text };
    }
    if (!res.ok) {
      const e = (json ?? {}) as { code?: string; message?: string };
      throw this.failure(res.status, e.code, e.message);
    }
    return json as T;
  }

  /** POSTs JSON and returns the successful response unread (for bodies that are files, not JSON). */
  async download(path: string, body: unknown, timeoutMs = 600_000): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.base), {
        method: 'POST',
        headers: this.headers({ 'content-type': 'application/json' }),
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new ApiError(0, 'unreachable', `cannot reach the Sluice server at ${this.base} (${cause}): is \`sluice server\` running? (set --server or SLUICE_SERVER)`);
    }
    if (!res.ok || !res.body) {
      const e = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
      throw this.failure(res.status, e.code, e.message);
    }
    return res;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown, timeoutMs?: number): Promise<T> {
    return this.request<T>('POST', path, body ?? {}, timeoutMs);
  }

  /**
   * Reads a Server-Sent Events stream, calling onEvent per event (with its id, if any), until it
   * ends. `lastEventId` resumes a stream after the event with that id (Last-Event-ID).
   */
  async stream(path: string, onEvent: (event: string, data: unknown, id: string | undefined) => void, lastEventId?: string): Promise<void> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.base), { headers: this.headers({ accept: 'text/event-stream', ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }) }) });
    } catch (error) {
      throw new ApiError(0, 'unreachable', `cannot reach the Sluice server at ${this.base}: ${(error as Error).message}`);
    }
    if (!res.ok || !res.body) {
      const e = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
      throw this.failure(res.status, e.code, e.message);
    }
    // WHATWG EventSource parsing (line ends, fields, multi-line data, comments) by eventsource-parser.
    const parser = createParser({ onEvent: (e) => onEvent(e.event ?? 'message', e.data ? JSON.parse(e.data) : null, e.id) });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    } catch (error) {
      throw new ApiError(0, 'dropped', `the stream from ${this.base} was cut: ${(error as Error).message}`);
    }
    parser.feed(decoder.decode());
  }
}
