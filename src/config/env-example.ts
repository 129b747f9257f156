import { optionTable, type OptionKey } from './options.js';

/**
 * The text of `.env.example`: every setting of {@link optionTable}, commented out at its default,
 * with its reason. `npm run env:example` writes it; a test keeps the file equal to this.
 */
export function envExample(): string {
  const blocks = (Object.keys(optionTable) as OptionKey[]).map((key) => {
    const option = optionTable[key];
    const value = Array.isArray(option.default)
      ? option.default.join(',')
      : option.default === undefined
        ? ''
        : String(option.default);
    return `# ${option.doc}\n# ${option.env}=${value}`;
  });
  return [
    '# Every setting of sinyal, at its default. Copy to .env (read at start) or set them in the',
    '# environment; a CLI flag (--room-capacity 12) wins over both. Generated: npm run env:example',
    '',
    blocks.join('\n\n'),
    '',
  ].join('\n');
}
