// The admin dashboard (React, TanStack Query, Tailwind CSS, Radix UI), built by `npm run build`
// into dist/admin, which the server serves at /admin.
import { fileURLToPath } from 'node:url';
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/admin/',
  plugins: [react(), tailwindcss()],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/admin', import.meta.url)),
    emptyOutDir: true,
    target: ['chrome110', 'firefox115', 'safari16'],
  },
});
