import type { ButtonHTMLAttributes, ReactNode } from 'react';

const cx = (...parts: Array<string | false | undefined>) => parts.filter(Boolean).join(' ');

type Tone = 'primary' | 'neutral' | 'danger';

const tones: Record<Tone, string> = {
  primary: 'bg-indigo-600 text-white hover:bg-indigo-500 disabled:bg-indigo-400',
  neutral:
    'bg-white text-slate-800 ring-1 ring-slate-300 hover:bg-slate-100 dark:bg-slate-800 dark:text-slate-100 dark:ring-slate-600 dark:hover:bg-slate-700',
  danger: 'bg-rose-600 text-white hover:bg-rose-500 disabled:bg-rose-400',
};

export function Button({
  tone = 'neutral',
  small,
  className,
  ...props
}: ButtonHTMLAttributes<HTMLButtonElement> & { tone?: Tone; small?: boolean }) {
  return (
    <button
      type="button"
      className={cx(
        'inline-flex items-center justify-center gap-1 rounded-md font-medium transition-colors disabled:cursor-not-allowed',
        small ? 'px-2.5 py-1 text-xs' : 'px-3.5 py-2 text-sm',
        tones[tone],
        className,
      )}
      {...props}
    />
  );
}

export function Card({
  title,
  actions,
  children,
  className,
}: {
  title?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <section
      className={cx(
        'rounded-xl bg-white p-4 shadow-sm ring-1 ring-slate-200 dark:bg-slate-900 dark:ring-slate-800',
        className,
      )}
    >
      {(title || actions) && (
        <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
          {title && <h2 className="text-sm font-semibold">{title}</h2>}
          {actions}
        </div>
      )}
      {children}
    </section>
  );
}

export function Badge({ tone = 'slate', children }: { tone?: string; children: ReactNode }) {
  const colors: Record<string, string> = {
    slate: 'bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300',
    green: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900/50 dark:text-emerald-300',
    amber: 'bg-amber-100 text-amber-800 dark:bg-amber-900/50 dark:text-amber-300',
    red: 'bg-rose-100 text-rose-800 dark:bg-rose-900/50 dark:text-rose-300',
    indigo: 'bg-indigo-100 text-indigo-800 dark:bg-indigo-900/50 dark:text-indigo-300',
  };
  return (
    <span
      className={cx(
        'inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap',
        colors[tone],
      )}
    >
      {children}
    </span>
  );
}

/** Loading, empty and error states share one look. */
export function StateMessage({
  kind,
  title,
  children,
}: {
  kind: 'loading' | 'empty' | 'error';
  title: string;
  children?: ReactNode;
}) {
  return (
    <div
      role={kind === 'error' ? 'alert' : 'status'}
      className={cx(
        'flex flex-col items-center gap-1 rounded-lg border border-dashed px-4 py-8 text-center text-sm',
        kind === 'error'
          ? 'border-rose-300 text-rose-700 dark:border-rose-800 dark:text-rose-300'
          : 'border-slate-300 text-slate-500 dark:border-slate-700 dark:text-slate-400',
      )}
    >
      {kind === 'loading' && (
        <span
          aria-hidden
          className="mb-1 size-5 animate-spin rounded-full border-2 border-current border-t-transparent"
        />
      )}
      <p className="font-medium">{title}</p>
      {children && <div className="text-xs">{children}</div>}
    </div>
  );
}

/** The states of a query in one place: loading, error (with retry), or empty. */
export function QueryState({
  query,
  empty,
  emptyHint,
  what,
}: {
  query: { isPending: boolean; error: Error | null; refetch: () => unknown };
  empty: boolean;
  emptyHint?: ReactNode;
  what: string;
}) {
  if (query.isPending) return <StateMessage kind="loading" title={`Loading ${what}…`} />;
  if (query.error) {
    return (
      <StateMessage kind="error" title={`Could not load ${what}`}>
        <p>{query.error.message}</p>
        <Button small className="mt-2" onClick={() => query.refetch()}>
          Retry
        </Button>
      </StateMessage>
    );
  }
  if (empty)
    return (
      <StateMessage kind="empty" title={`No ${what}`}>
        {emptyHint}
      </StateMessage>
    );
  return null;
}

export const inputClass =
  'w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 placeholder:text-slate-400 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100';

export function Field({
  label,
  htmlFor,
  hint,
  error,
  children,
  className,
}: {
  label: ReactNode;
  htmlFor: string;
  hint?: ReactNode;
  error?: string;
  children: ReactNode;
  className?: string;
}) {
  return (
    <div className={cx('flex flex-col gap-1', className)}>
      <label htmlFor={htmlFor} className="text-xs font-medium text-slate-600 dark:text-slate-300">
        {label}
      </label>
      {children}
      {hint && !error && <p className="text-xs text-slate-500 dark:text-slate-400">{hint}</p>}
      {error && (
        <p role="alert" className="text-xs text-rose-600 dark:text-rose-400">
          {error}
        </p>
      )}
    </div>
  );
}

/** A table's column headings; an empty name is the actions column (named for screen readers). */
export function ColumnHeads({ names, className }: { names: string[]; className?: string }) {
  return (
    <thead className={className}>
      <tr className="text-left text-xs text-slate-500 dark:text-slate-400">
        {names.map((name, i) => (
          <th key={i} scope="col" className="py-2 pr-3 font-medium">
            {name || <span className="sr-only">Actions</span>}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/**
 * A wide table that scrolls sideways inside its own box on a phone, never the page. `relative`:
 * an absolutely placed screen-reader label in a cell would otherwise escape the box and widen
 * the whole page.
 */
export function TableScroll({ children }: { children: ReactNode }) {
  return (
    <>
      <p className="mb-1 text-xs text-slate-500 sm:hidden dark:text-slate-400">
        Swipe the table sideways for more columns.
      </p>
      <div className="relative -mx-4 overflow-x-auto px-4">{children}</div>
    </>
  );
}

export function VisuallyHidden({ children }: { children: ReactNode }) {
  return <span className="sr-only">{children}</span>;
}

export { cx };
