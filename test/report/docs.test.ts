// docs/REFERENCE.md documents the report command's flags and every column of every file it writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { REPORT_OUTPUTS } from '../../src/report/columns';
import { ROOT, runCli } from '../helpers/cli';

const readme = fs.readFileSync(path.join(ROOT, 'docs', 'REFERENCE.md'), 'utf8'); // README is the short page; the reference is here

test('docs/REFERENCE.md documents every flag of mmoe-sweep report', () => {
  const section = readme.split('### report')[1]?.split('\n## ')[0];
  assert.ok(section, 'docs/REFERENCE.md has no "### report" part');
  const flags = [...runCli(['report', '--help']).stdout.matchAll(/^\s+(--[a-z-]+)/gm)].map((m) => m[1]);
  assert.ok(flags.length >= 4);
  for (const f of flags) assert.ok(section.includes(`\`${f}`), `docs/REFERENCE.md "### report" lacks ${f}`);
});

test('docs/REFERENCE.md documents every column of every file the report writes', () => {
  for (const o of Object.values(REPORT_OUTPUTS)) {
    const section = readme.split(`### ${o.file}`)[1]?.split('\n### ')[0];
    assert.ok(section, `docs/REFERENCE.md has no section for ${o.file}`);
    for (const c of o.columns) assert.match(section, new RegExp(`\\| ${c.name} \\|`), `${o.file}: column ${c.name} undocumented`);
  }
});
