/**
 * The admin credential and the REST calls made with it. The credential lives in memory and in
 * sessionStorage (this tab only, gone when it closes, so a reload does not sign out); never in
 * the URL or localStorage. It travels only in the Authorization header.
 */
const STORAGE_KEY = 'sinyal-admin-credential';

function readStored(): string {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? '';
  } catch {
    return '';
  }
}

let credential = readStored();
const unauthorizedListeners = new Set<() => void>();

export function setCredential(value: string): void {
  credential = value;
  try {
    if (value) sessionStorage.setItem(STORAGE_KEY, value);
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage off (private mode): the credential stays in memory for this page.
  }
}

export function authHeaders(token = credential): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Called when the server refuses the credential (expired JWT, token changed). */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export function notifyUnauthorized(): void {
  for (const listener of unauthorizedListeners) listener();
}

/** An API refusal with the server's `{ error, message }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface CallOptions {
  method?: string;
  json?: unknown;
  token?: string;
}

export async function api<T>(path: string, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { ...authHeaders(options.token ?? credential) };
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.json === undefined ? undefined : JSON.stringify(options.json),
    });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached. Is it running?');
  }
  const text = await response.text();
  let body: { error?: string; message?: string };
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { message: text };
  }
  if (!response.ok) {
    if (response.status === 401 && options.token === undefined) notifyUnauthorized();
    throw new ApiError(
      response.status,
      body.error ?? 'error',
      body.message ?? `HTTP ${response.status}`,
    );
  }
  return body as T;
}
