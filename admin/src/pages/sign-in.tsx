import { useState, type FormEvent } from 'react';
import { Button, Field, inputClass } from '../components/ui';

/** Sign in with `ADMIN_TOKEN` (or an admin JWT); `check` asks the server whether it is accepted. */
export function SignIn({
  check,
  notice,
}: {
  check: (credential: string) => Promise<string | undefined>;
  notice?: string;
}) {
  const [credential, setCredential] = useState('');
  const [error, setError] = useState<string | undefined>(notice);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!credential.trim()) {
      setError('Enter the admin token.');
      return;
    }
    setBusy(true);
    setError(await check(credential.trim()));
    setBusy(false);
  };

  return (
    <main className="flex min-h-dvh items-center justify-center p-4">
      <form
        onSubmit={submit}
        className="flex w-full max-w-sm flex-col gap-4 rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200 dark:bg-slate-900 dark:ring-slate-800"
        aria-labelledby="sign-in-title"
      >
        <div>
          <h1 id="sign-in-title" className="text-lg font-semibold">
            sinyal admin
          </h1>
          <p className="mt-1 text-sm text-slate-500 dark:text-slate-400">
            Sign in with the server&apos;s <code>ADMIN_TOKEN</code> or an admin JWT. It is kept for
            this tab only.
          </p>
        </div>
        <Field label="Admin credential" htmlFor="credential" error={error}>
          <input
            id="credential"
            type="password"
            autoComplete="current-password"
            className={inputClass}
            value={credential}
            onChange={(e) => setCredential(e.target.value)}
            autoFocus
          />
        </Field>
        <Button tone="primary" type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </Button>
      </form>
    </main>
  );
}
