/**
 * The console API as the page calls it: same origin, the session cookie
 * (HttpOnly, so the page never sees it) and, on every change, the CSRF token
 * the login answered as `x-iisa-csrf`. A refusal becomes an ApiError carrying
 * the API's own message, which is what the page shows.
 */

/** GET /rules' largest page: the whole catalogue in one answer (the pages show every rule). */
export const RULES_PAGE = 10_000;

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

type QueryValue = string | number | boolean | undefined | readonly string[];

/** `path?key=value&...`, leaving out undefined values; arrays are repeated keys. */
export function withQuery(path: string, query: Readonly<Record<string, QueryValue>> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value as readonly string[]) params.append(key, v);
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export class ApiClient {
  private csrfToken: string | undefined;
  /** Called when a call other than the login is answered 401: the session is gone. */
  onUnauthenticated: (error: ApiError) => void = () => {};

  constructor(private readonly base = '/api/v1') {}

  setCsrfToken(token: string | undefined): void {
    this.csrfToken = token;
  }

  get<T>(path: string, query?: Readonly<Record<string, QueryValue>>): Promise<T> {
    return this.send<T>('GET', withQuery(path, query));
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.send<T>('POST', path, body);
  }

  private async send<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && this.csrfToken) headers['x-iisa-csrf'] = this.csrfToken;
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new ApiError(0, 'network', err instanceof Error ? err.message : String(err));
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const problem = (json ?? {}) as { error?: unknown; message?: unknown };
      const error = new ApiError(res.status, typeof problem.error === 'string' ? problem.error : 'http',
        typeof problem.message === 'string' ? problem.message : `${res.status} ${res.statusText}`);
      if (res.status === 401 && !path.startsWith('/auth/login')) this.onUnauthenticated(error);
      throw error;
    }
    return json as T;
  }
}
