/** Bundles the SDK and the demo into `outDir` (default dist/public); resolves to the folder. */
export function buildClient(outDir?: string, options?: { minify?: boolean }): Promise<string>;
