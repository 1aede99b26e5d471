#!/usr/bin/env node
// Runs on Node 24 (type stripping): npm and npx put the project's node@24 first on PATH.
await import('../src/cli.ts');
