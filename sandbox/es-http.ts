// A raw HTTP client for Elasticsearch: status and body exactly as sent, for fixtures and for the
// sandbox's own plumbing. Tries each base URL in turn so callers survive a node going away.

export interface EsResponse {
  status: number;
  /** Body text exactly as received. */
  text: string;
}

export interface EsRequest {
  method: string;
  path: string;
  body?: unknown;
  /** NDJSON body for _bulk. */
  ndjson?: string;
  timeoutMs?: number;
}

export class EsHttp {
  private readonly urls: () => string[];

  /** `urls` is read on every request, so a caller can follow a changing set of nodes. */
  constructor(urls: string[] | (() => string[])) {
    this.urls = typeof urls === 'function' ? urls : () => urls;
  }

  async request(request: EsRequest): Promise<EsResponse> {
    let lastError: unknown = new Error('no Elasticsearch URL known');
    for (const base of this.urls()) {
      try {
        return await send(base, request);
      } catch (error) {
        // Only a refused connection is safe to try elsewhere: the request reached no node.
        if (!connectionRefused(error)) throw error;
        lastError = error;
      }
    }
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }

  /** Parsed JSON of a 2xx response; anything else throws with the body in the message. */
  async json<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.request({ method, path, body });
    if (response.status < 200 || response.status > 299) {
      throw new Error(`${method} ${path} -> ${response.status}: ${response.text.slice(0, 500)}`);
    }
    return (response.text === '' ? undefined : JSON.parse(response.text)) as T;
  }
}

async function send(base: string, request: EsRequest): Promise<EsResponse> {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (request.ndjson !== undefined) {
    headers['content-type'] = 'application/x-ndjson';
    body = request.ndjson;
  } else if (request.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(request.body);
  }
  const response = await fetch(new URL(request.path, base), {
    method: request.method,
    headers,
    body,
    signal: AbortSignal.timeout(request.timeoutMs ?? 90_000),
  });
  return { status: response.status, text: await response.text() };
}

function connectionRefused(error: unknown): boolean {
  const cause = error instanceof Error ? (error.cause as NodeJS.ErrnoException | undefined) : undefined;
  return cause?.code === 'ECONNREFUSED';
}
