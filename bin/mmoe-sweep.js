#!/usr/bin/env node
// Thin executable: everything lives in src/cli (compiled to dist/ by `npm install`'s prepare step).
'use strict';
require('../dist/src/cli/main.js')
  .main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((e) => {
    process.stderr.write(`mmoe-sweep: internal error: ${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  });
