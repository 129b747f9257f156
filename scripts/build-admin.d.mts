/** At most this many bytes of gzipped JavaScript in the dashboard. */
export const ADMIN_JS_BUDGET: number;
/** Builds the dashboard into dist/admin; resolves to the folder and its gzipped JS size. */
export function buildAdmin(): Promise<{ outDir: string; gzipped: number }>;
