// Every output column, config key and flag is documented in docs/REFERENCE.md and --help.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { OUTPUTS } from '../src/output/columns';
import { SCHEMA } from '../src/config/schema';
import { ROOT, runCli } from './helpers/cli';

const readme = fs.readFileSync(path.join(ROOT, 'docs', 'REFERENCE.md'), 'utf8'); // README is the short page; the reference is here

test('docs/REFERENCE.md documents every column of every output file', () => {
  for (const o of Object.values(OUTPUTS)) {
    const section = readme.split(`### ${o.file}`)[1]?.split('\n### ')[0];
    assert.ok(section, `docs/REFERENCE.md has no section for ${o.file}`);
    for (const c of o.columns) assert.match(section, new RegExp(`\\| ${c.name} \\|`), `${o.file}: column ${c.name} undocumented`);
  }
});

test('docs/REFERENCE.md documents every config key', () => {
  for (const [section, rules] of Object.entries(SCHEMA)) for (const key of Object.keys(rules)) assert.ok(readme.includes(`| ${section}.${key} |`), `${section}.${key}`);
});

test('every flag in --help is in docs/REFERENCE.md, and the reverse for sweep flags', () => {
  const help = runCli(['--help']).stdout;
  const flags = [...help.matchAll(/^\s+(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]);
  assert.ok(flags.length > 15);
  for (const f of flags) assert.ok(readme.includes(`\`${f}`), `docs/REFERENCE.md lacks ${f}`);
  for (const sub of ['generate', 'correlation']) {
    const h = runCli([sub, '--help']).stdout;
    for (const m of h.matchAll(/^\s+(--[a-z-]+)/gm)) assert.ok(readme.includes(m[1]), `docs/REFERENCE.md lacks ${sub} ${m[1]}`);
  }
});

test('README is the short page: the two commands with npx, and a link to the reference', () => {
  const short = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  assert.ok(short.split('\n').length < 150, 'README stays short');
  assert.match(short, /^npx mmoe-sweep --out \S+/m);
  assert.match(short, /^npx mmoe-sweep report \S+/m);
  assert.ok(short.includes('docs/REFERENCE.md'));
  assert.doesNotMatch(short, /^mmoe-sweep /m, 'examples use npx: a local install puts no bare name on PATH');
});
