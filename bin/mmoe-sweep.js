#!/usr/bin/env node
// Thin executable: everything lives in src/cli (compiled to dist/ by `npm install`'s prepare step).
'use strict';
const { main } = require('../dist/src/cli/main.js');
const { userFailureLine } = require('../dist/src/cli/fail.js');

// anything that escapes main (an error in an event handler): a user or environment error is still one line, exit 2
function die(e) {
  const line = userFailureLine(e);
  if (line) {
    process.stderr.write(line);
    process.exit(2);
  }
  process.stderr.write(`mmoe-sweep: internal error: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
}
process.on('uncaughtException', die);
main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch(die);
