import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';
import { Badge, Button, StateMessage, cx } from './components/ui';
import { api, onUnauthorized, setCredential, type ApiError } from './lib/api';
import { StreamProvider, useStream } from './lib/stream';
import { BroadcastPage } from './pages/broadcast';
import { ConnectionsPage } from './pages/connections';
import { LogsPage } from './pages/logs';
import { OverviewPage } from './pages/overview';
import { RoomsPage } from './pages/rooms';
import { SettingsPage } from './pages/settings';
import { SignIn } from './pages/sign-in';
import { WebhooksPage } from './pages/webhooks';

const pages = {
  overview: { title: 'Overview', view: OverviewPage },
  connections: { title: 'Connections', view: ConnectionsPage },
  rooms: { title: 'Rooms', view: RoomsPage },
  logs: { title: 'Event log', view: LogsPage },
  broadcast: { title: 'Broadcast', view: BroadcastPage },
  webhooks: { title: 'Webhooks', view: WebhooksPage },
  settings: { title: 'Settings', view: SettingsPage },
} as const;
type PageId = keyof typeof pages;

/** The page in the URL's hash (`#/rooms`): back and forward work, and nothing secret is there. */
function usePage(): PageId {
  const read = () => {
    const id = location.hash.replace(/^#\/?/, '');
    return (id in pages ? id : 'overview') as PageId;
  };
  const [page, setPage] = useState(read);
  useEffect(() => {
    const update = () => setPage(read());
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return page;
}

type Session =
  | { state: 'checking' }
  | { state: 'signed-out'; notice?: string }
  | { state: 'signed-in'; open: boolean }
  | { state: 'unavailable'; message: string };

/** Asks an admin endpoint whether `credential` is accepted ('' = is the API open?). */
async function probe(credential: string): Promise<Session> {
  try {
    await api('/api/connections', { token: credential });
    return { state: 'signed-in', open: !credential };
  } catch (error) {
    const e = error as ApiError;
    if (e.status === 401) {
      return {
        state: 'signed-out',
        notice: credential ? 'That credential was refused by the server.' : undefined,
      };
    }
    return { state: 'unavailable', message: e.message };
  }
}

export function App() {
  const queryClient = useQueryClient();
  const [session, setSession] = useState<Session>({ state: 'checking' });

  const check = useCallback(async (credential: string) => {
    const result = await probe(credential);
    if (result.state === 'signed-in') {
      setCredential(credential);
      setSession(result);
      return undefined;
    }
    if (result.state === 'signed-out') return result.notice;
    return result.state === 'unavailable' ? result.message : undefined;
  }, []);

  useEffect(() => {
    let stored = '';
    try {
      stored = sessionStorage.getItem('sinyal-admin-credential') ?? '';
    } catch {
      // no storage: start signed out
    }
    void probe(stored).then(async (result) => {
      // A stored credential that no longer works: maybe the API is open without one.
      if (stored && result.state === 'signed-out') {
        setCredential('');
        result = await probe('');
      }
      setSession(result);
    });
  }, []);

  useEffect(
    () =>
      onUnauthorized(() => {
        setCredential('');
        queryClient.clear();
        setSession({
          state: 'signed-out',
          notice: 'The server no longer accepts your credential.',
        });
      }),
    [queryClient],
  );

  const signOut = () => {
    setCredential('');
    queryClient.clear();
    setSession({ state: 'signed-out' });
  };

  if (session.state === 'checking') {
    return (
      <main className="p-8">
        <StateMessage kind="loading" title="Connecting to the server…" />
      </main>
    );
  }
  if (session.state === 'unavailable') {
    return (
      <main className="mx-auto max-w-lg p-8">
        <StateMessage kind="error" title="The admin API is not available">
          <p>{session.message}</p>
          <Button small className="mt-2" onClick={() => location.reload()}>
            Retry
          </Button>
        </StateMessage>
      </main>
    );
  }
  if (session.state === 'signed-out') return <SignIn check={check} notice={session.notice} />;
  return (
    <StreamProvider>
      <Shell open={session.open} onSignOut={signOut} />
    </StreamProvider>
  );
}

function ThemeToggle() {
  const [dark, setDark] = useState(() => document.documentElement.classList.contains('dark'));
  const toggle = () => {
    const next = !dark;
    document.documentElement.classList.toggle('dark', next);
    try {
      localStorage.setItem('sinyal-admin-theme', next ? 'dark' : 'light');
    } catch {
      // the choice lasts for this page only
    }
    setDark(next);
  };
  return (
    <Button small onClick={toggle} aria-label={dark ? 'Use light theme' : 'Use dark theme'}>
      <span aria-hidden>{dark ? '☀' : '☾'}</span>
    </Button>
  );
}

function LiveBadge() {
  const { status, error } = useStream();
  if (status === 'live') return <Badge tone="green">● Live</Badge>;
  return (
    <span title={error}>
      <Badge tone="amber">{status === 'connecting' ? 'Connecting…' : 'Reconnecting…'}</Badge>
    </span>
  );
}

function Shell({ open, onSignOut }: { open: boolean; onSignOut: () => void }) {
  const page = usePage();
  const { title, view: View } = pages[page];
  useEffect(() => {
    document.title = `${title} · sinyal admin`;
  }, [title]);
  return (
    <div className="min-h-dvh md:grid md:grid-cols-[13rem_1fr]">
      <header className="sticky top-0 z-30 border-b border-slate-200 bg-white/90 backdrop-blur md:sticky md:h-dvh md:border-r md:border-b-0 dark:border-slate-800 dark:bg-slate-900/90">
        <div className="flex items-center justify-between gap-2 px-4 py-3">
          <span className="font-semibold tracking-tight">
            sinyal <span className="text-indigo-600 dark:text-indigo-400">admin</span>
          </span>
          <span className="flex items-center gap-2 md:hidden">
            <LiveBadge />
            <ThemeToggle />
          </span>
        </div>
        {/* A phone shows every section at once (two rows of three): no hidden tabs to scroll to. */}
        <nav aria-label="Sections" className="px-2 pb-2 md:px-3">
          <ul className="grid grid-cols-3 gap-1 sm:flex sm:flex-wrap md:flex-col">
            {(Object.keys(pages) as PageId[]).map((id) => (
              <li key={id}>
                <a
                  href={`#/${id}`}
                  aria-current={id === page ? 'page' : undefined}
                  className={cx(
                    'block rounded-md px-2 py-1.5 text-center text-sm whitespace-nowrap sm:px-3 sm:text-left',
                    id === page
                      ? 'bg-indigo-50 font-medium text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300'
                      : 'text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800',
                  )}
                >
                  {pages[id].title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <div className="min-w-0">
        <div className="flex flex-wrap items-center justify-between gap-2 px-4 pt-4 md:px-6">
          <h1 className="text-xl font-semibold">{title}</h1>
          <span className="flex items-center gap-2">
            <span className="hidden md:inline-flex">
              <LiveBadge />
            </span>
            {open && <Badge tone="amber">Open admin API (no ADMIN_TOKEN)</Badge>}
            <span className="hidden md:inline-flex">
              <ThemeToggle />
            </span>
            {!open && (
              <Button small onClick={onSignOut}>
                Sign out
              </Button>
            )}
          </span>
        </div>
        <main className="p-4 md:p-6">
          <View />
        </main>
      </div>
    </div>
  );
}
