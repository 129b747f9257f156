import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { companionProblems, optionTable, type OptionKey } from './options.js';

type Table = typeof optionTable;
type Value<K extends OptionKey> = z.output<Table[K]['schema']>;

/** The validated configuration: every option of {@link optionTable}, with its default. */
export type Config = {
  [K in OptionKey]: Table[K]['default'] extends undefined ? Value<K> | undefined : Value<K>;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Throws one {@link ConfigError} listing every problem; returns when there is none. */
export function refuseProblems(problems: readonly string[]): void {
  if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
}

/**
 * A URL as it may be printed: the password of `scheme://user:password@host` and any
 * `password=` query parameter (PostgreSQL takes one) replaced by `***`.
 */
export const hidePassword = (url: string): string =>
  url.replace(/\/\/([^/@:]*):[^/]*@/, '//$1:***@').replace(/([?&]password=)[^&]*/gi, '$1***');

const flagOf = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * Reads options from CLI flags (`--room-capacity 12`), then the environment (`ROOM_CAPACITY`),
 * then defaults. Throws a {@link ConfigError} naming every bad setting and what it expects.
 */
export function loadConfig(
  argv: string[] = [],
  env: Record<string, string | undefined> = process.env,
): Config {
  const keys = Object.keys(optionTable) as OptionKey[];
  let flags: Record<string, string | boolean | undefined>;
  try {
    ({ values: flags } = parseArgs({
      args: argv,
      options: Object.fromEntries(
        keys.map((k) => {
          const type = 'flag' in optionTable[k] ? ('boolean' as const) : ('string' as const);
          return [flagOf(k), { type }] as const;
        }),
      ),
      strict: true,
    }));
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}. Run with --help to see every option.`);
  }

  const config: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const key of keys) {
    const option = optionTable[key];
    const flag = flags[flagOf(key)];
    // A boolean flag (`--https`) counts as "true"; its environment variable takes true/1.
    const raw = typeof flag === 'string' ? flag : flag === true ? 'true' : env[option.env];
    if (raw === undefined || raw === '') {
      config[key] = option.default;
      continue;
    }
    const parsed = option.schema.safeParse(raw);
    if (parsed.success) config[key] = parsed.data;
    else {
      const source = flag !== undefined ? `--${flagOf(key)}` : option.env;
      const reason = parsed.error.issues[0]?.message ?? 'is invalid';
      // A secret refused is still a secret (logs, CI output, a screen share): named, not shown.
      const shown = 'secret' in option ? '' : `=${JSON.stringify(hidePassword(raw))}`;
      problems.push(`  ${source}${shown}: ${reason}. ${option.doc}`);
    }
  }
  if (!problems.length) problems.push(...companionProblems(config));
  refuseProblems(problems);
  return config as Config;
}

/**
 * Reads `.env` from the working directory into `process.env` when there is one (copied from
 * `.env.example`); variables already set in the environment win.
 */
export function loadEnvFile(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

/** The options part of `--help`, generated from the option table (cli.ts adds the commands). */
export function helpText(): string {
  const rows = (Object.keys(optionTable) as OptionKey[]).map((key) => {
    const o = optionTable[key];
    const def = o.default === undefined ? '' : ` (default ${String(o.default)})`;
    return `  --${flagOf(key).padEnd(26)} ${o.env.padEnd(26)} ${o.doc}${def}`;
  });
  return [
    'Options of the server (every flag can also be set by its environment variable):',
    '',
    `  ${'flag'.padEnd(28)} ${'environment'.padEnd(26)} meaning`,
    ...rows,
  ].join('\n');
}
