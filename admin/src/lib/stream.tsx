import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { authHeaders, notifyUnauthorized } from './api';
import type { LogRow, Overview, Sample } from './types';

const HISTORY_LENGTH = 900;
const TAIL_LENGTH = 200;

export interface StreamState {
  status: 'connecting' | 'live' | 'reconnecting';
  overview?: Overview;
  samples: Sample[];
  /** Newest first. */
  tail: LogRow[];
  error?: string;
}

const StreamContext = createContext<StreamState>({ status: 'connecting', samples: [], tail: [] });

export const useStream = (): StreamState => useContext(StreamContext);

/** Splits a text/event-stream into `{ event, data }` frames. */
function parseFrame(frame: string): { event: string; data: unknown } | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of frame.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  if (!data.length) return undefined;
  return { event, data: JSON.parse(data.join('\n')) };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * The one admin event stream (`GET /api/admin/stream`), read with fetch so the credential goes
 * in the Authorization header (EventSource cannot set headers and would put it in the URL).
 * Its figures feed the overview; its change markers and log rows refresh the REST lists.
 */
export function StreamProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<StreamState>({
    status: 'connecting',
    samples: [],
    tail: [],
  });

  useEffect(() => {
    const abort = new AbortController();
    let versions: Overview['versions'] | undefined;

    const handle = (event: string, data: unknown) => {
      if (event === 'history') {
        const { samples } = data as { samples: Sample[] };
        setState((s) => ({ ...s, samples }));
      } else if (event === 'stats') {
        const overview = data as Overview;
        if (versions?.connections !== overview.versions.connections) {
          void queryClient.invalidateQueries({ queryKey: ['connections'] });
        }
        if (versions?.rooms !== overview.versions.rooms) {
          void queryClient.invalidateQueries({ queryKey: ['rooms'] });
        }
        versions = overview.versions;
        setState((s) => {
          const last = s.samples.at(-1);
          const samples = last && last.t >= overview.t ? s.samples : [...s.samples, overview];
          return {
            ...s,
            status: 'live',
            error: undefined,
            overview,
            samples: samples.slice(-HISTORY_LENGTH),
          };
        });
      } else if (event === 'log') {
        const { logs } = data as { logs: LogRow[] };
        void queryClient.invalidateQueries({ queryKey: ['logs', 'live'] });
        setState((s) => ({ ...s, tail: [...logs.reverse(), ...s.tail].slice(0, TAIL_LENGTH) }));
      }
    };

    const run = async () => {
      for (let attempt = 0; !abort.signal.aborted; attempt++) {
        try {
          const response = await fetch('/api/admin/stream', {
            headers: authHeaders(),
            signal: abort.signal,
          });
          if (response.status === 401) {
            notifyUnauthorized();
            return;
          }
          if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
          attempt = 0;
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value;
            for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
              const frame = parseFrame(buffer.slice(0, end));
              buffer = buffer.slice(end + 2);
              if (frame) handle(frame.event, frame.data);
            }
          }
          throw new Error('the server closed the stream');
        } catch (error) {
          if (abort.signal.aborted) return;
          setState((s) => ({ ...s, status: 'reconnecting', error: (error as Error).message }));
        }
        await sleep(Math.min(500 * 2 ** attempt, 10_000), abort.signal);
      }
    };
    void run();
    return () => abort.abort();
  }, [queryClient]);

  return <StreamContext.Provider value={state}>{children}</StreamContext.Provider>;
}
