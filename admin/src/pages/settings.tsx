import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Badge, Button, Card, Field, QueryState, inputClass } from '../components/ui';
import { api } from '../lib/api';
import type { LiveSetting } from '../lib/types';

const sourceLabel = {
  default: { text: 'default', tone: 'slate' },
  env: { text: 'environment', tone: 'amber' },
  runtime: { text: 'changed at runtime', tone: 'indigo' },
} as const;

/** The API's rule for live settings: a whole number within the setting's bounds. */
function validate(setting: LiveSetting, value: string): string | undefined {
  const n = Number(value);
  if (!value.trim() || !Number.isInteger(n)) return `${setting.key}: must be a whole number`;
  if (setting.min !== null && n < setting.min)
    return `${setting.key}: must be at least ${setting.min}`;
  if (setting.max !== null && n > setting.max)
    return `${setting.key}: must be at most ${setting.max}`;
  return undefined;
}

function SettingRow({ setting }: { setting: LiveSetting }) {
  const queryClient = useQueryClient();
  const [value, setValue] = useState(String(setting.value));
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const id = `setting-${setting.key}`;
  const source = sourceLabel[setting.source];
  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const problem = validate(setting, value);
    setError(problem);
    if (problem) return;
    setBusy(true);
    try {
      await api('/api/settings', {
        method: 'POST',
        json: { key: setting.key, value: Number(value) },
      });
      setSaved(true);
      await queryClient.invalidateQueries({ queryKey: ['settings'] });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      noValidate
      onSubmit={save}
      className="grid gap-3 border-t border-slate-100 py-4 first:border-t-0 first:pt-0 sm:grid-cols-[1fr_14rem] dark:border-slate-800"
    >
      <div>
        <div className="flex flex-wrap items-center gap-2">
          <span className="font-mono text-sm font-medium">{setting.key}</span>
          <Badge tone={source.tone}>{source.text}</Badge>
        </div>
        <p className="mt-1 text-sm text-slate-600 dark:text-slate-300">{setting.description}</p>
        <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">
          In use: <strong className="tabular-nums">{setting.value}</strong> · default{' '}
          {setting.default} · env <code>{setting.env}</code>
          {setting.min !== null && ` · ${setting.min} to ${setting.max}`}
        </p>
      </div>
      <div className="flex items-start gap-2">
        <Field
          label={
            <>
              New value<span className="sr-only"> of {setting.key}</span>
            </>
          }
          htmlFor={id}
          error={error}
          className="flex-1"
        >
          <input
            id={id}
            type="number"
            inputMode="numeric"
            min={setting.min ?? undefined}
            max={setting.max ?? undefined}
            className={inputClass}
            value={value}
            onChange={(e) => setValue(e.target.value)}
          />
        </Field>
        <Button tone="primary" type="submit" disabled={busy} className="mt-5">
          Save<span className="sr-only"> {setting.key}</span>
        </Button>
      </div>
      {saved && (
        <p role="status" className="text-xs text-emerald-600 sm:col-span-2 dark:text-emerald-400">
          Saved; applied without a restart.
        </p>
      )}
    </form>
  );
}

export function SettingsPage() {
  const query = useQuery({
    queryKey: ['settings'],
    queryFn: () => api<{ settings: LiveSetting[] }>('/api/admin/settings'),
  });
  const settings = query.data?.settings ?? [];
  return (
    <Card className="max-w-3xl" title="Live settings">
      <QueryState query={query} what="settings" empty={settings.length === 0} />
      {settings.map((setting) => (
        <SettingRow key={setting.key} setting={setting} />
      ))}
    </Card>
  );
}
