import * as Dialog from '@radix-ui/react-dialog';
import { useState, type ReactNode } from 'react';
import { Button } from './ui';

/**
 * A button that asks before an action that changes something (Radix Dialog: focus trap, Escape, labelled).
 * The dialog's confirm button repeats the action's name, so "Kick" confirms a kick.
 */
export function ConfirmButton({
  label,
  srLabel,
  title,
  description,
  onConfirm,
  small = true,
  tone = 'danger',
}: {
  label: string;
  srLabel?: string;
  title: string;
  description: ReactNode;
  onConfirm: () => Promise<unknown> | void;
  small?: boolean;
  /** @default 'danger'; 'primary' for an action that undoes nothing (send again). */
  tone?: 'danger' | 'primary';
}) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      setOpen(false);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog.Root open={open} onOpenChange={setOpen}>
      <Dialog.Trigger asChild>
        <Button tone={tone} small={small}>
          {label}
          {srLabel && <span className="sr-only"> {srLabel}</span>}
        </Button>
      </Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="fixed inset-0 z-40 bg-slate-950/50" />
        <Dialog.Content className="fixed top-1/2 left-1/2 z-50 w-[min(92vw,26rem)] -translate-x-1/2 -translate-y-1/2 rounded-xl bg-white p-5 shadow-xl ring-1 ring-slate-200 dark:bg-slate-900 dark:ring-slate-700">
          <Dialog.Title className="text-base font-semibold">{title}</Dialog.Title>
          <Dialog.Description className="mt-2 text-sm text-slate-600 dark:text-slate-300">
            {description}
          </Dialog.Description>
          {error && (
            <p role="alert" className="mt-3 text-sm text-rose-600 dark:text-rose-400">
              {error}
            </p>
          )}
          <div className="mt-5 flex justify-end gap-2">
            <Dialog.Close asChild>
              <Button>Cancel</Button>
            </Dialog.Close>
            <Button tone={tone} disabled={busy} onClick={confirm}>
              {label}
            </Button>
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
