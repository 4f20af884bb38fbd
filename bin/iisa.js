#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm install` through `prepare`).
import('../dist/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('iisa: dist/ is missing; run `npm run build` (npm install does it for you)');
    process.exit(1);
  }
  throw err;
});
