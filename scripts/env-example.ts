// Writes .env.example from the option table (src/config/options.ts). Usage: npm run env:example
import { writeFileSync } from 'node:fs';
import { envExample } from '../src/config/env-example.js';

writeFileSync(new URL('../.env.example', import.meta.url), envExample());
console.log('.env.example written');
