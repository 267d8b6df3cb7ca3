// Families 4, 5 and 8: damaged CSVs, journals and manifests, and --force near a user's files.
// A damaged cell is an error naming file, line and column (never a 0); a bad journal line drops
// that record only; a damaged manifest is refused, never guessed at; --force deletes only what
// a sweep wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { TINY, TINY_RUNS, assertOneLine, finishedSweep, journalLines, runCli, snapshot, temps, tmpDir } from './helpers';

const RUNS_HEADER = 'model,correlation,label_correlation,run,seed,lr,task,train_loss,eval_loss,train_loss_normalized,eval_loss_normalized,steps,status,seconds';
const col = (name: string) => RUNS_HEADER.split(',').indexOf(name);

/** Edits line `line` (1-based; 1 is the header) of a CSV in a copy of the finished sweep. */
function damaged(label: string, file: string, edit: (lines: string[]) => void): string {
  const dir = finishedSweep(label);
  const f = path.join(dir, file);
  const lines = fs.readFileSync(f, 'utf8').split('\n');
  edit(lines);
  fs.writeFileSync(f, lines.join('\n'));
  return dir;
}
const setCell = (lines: string[], line: number, column: number, value: string) => {
  const cells = lines[line - 1].split(',');
  cells[column] = value;
  lines[line - 1] = cells.join(',');
};

// [what, file, edit, fragment]
const CSV_CASES: [string, string, (l: string[]) => void, string | RegExp][] = [
  ['a blank loss on an ok row', 'runs.csv', (l) => setCell(l, 3, col('eval_loss_normalized'), ''), /runs\.csv:3: column eval_loss_normalized: got ""/],
  ['a blank raw loss on an ok row', 'runs.csv', (l) => setCell(l, 2, col('eval_loss'), ''), /runs\.csv:2: column eval_loss: got ""/],
  ['a non-numeric loss', 'runs.csv', (l) => setCell(l, 4, col('eval_loss_normalized'), 'abc'), /runs\.csv:4: column eval_loss_normalized: got "abc"/],
  ['a loss with trailing junk', 'runs.csv', (l) => setCell(l, 2, col('eval_loss_normalized'), '0.5x'), /runs\.csv:2: column eval_loss_normalized/],
  ['a blank correlation', 'runs.csv', (l) => setCell(l, 2, col('correlation'), ''), /runs\.csv:2: column correlation/],
  ['a fractional run index', 'runs.csv', (l) => setCell(l, 5, col('run'), '1.5'), /runs\.csv:5: column run: got "1\.5"/],
  ['a row cut short', 'runs.csv', (l) => (l[2] = l[2].split(',').slice(0, 6).join(',')), /runs\.csv:3: .*15 cells per row \(this row has 6\)/],
  ['a row with an extra cell', 'runs.csv', (l) => (l[3] += ',extra'), /runs\.csv:4: .*15 cells per row/],
  ['the file cut mid-number', 'runs.csv', (l) => (l.splice(l.length - 1), (l[l.length - 1] = l[l.length - 1].slice(0, -7))), /runs\.csv:\d+: .*cut short/],
  ['a missing column', 'runs.csv', (l) => (l[0] = l[0].replace('eval_loss_normalized', 'eval_loss_norm')), /runs\.csv lacks columns eval_loss_normalized/],
  ['an empty runs.csv', 'runs.csv', (l) => l.splice(0, l.length), /runs\.csv lacks columns/],
  ['a blank loss in curves.csv', 'curves.csv', (l) => setCell(l, 6, 8, ''), /curves\.csv:6: column loss: got ""/],
  ['a non-numeric gate weight', 'gates.csv', (l) => setCell(l, 2, 7, 'heavy'), /gates\.csv:2: column weight: got "heavy"/],
];

for (const [what, file, edit, fragment] of CSV_CASES) {
  test(`report on ${what}: exit 2 naming file, line and column; nothing written`, () => {
    const dir = damaged(`csv-${CSV_CASES.findIndex((c) => c[0] === what)}`, file, edit);
    const before = snapshot(dir);
    assertOneLine(runCli(['report', dir]), 2, fragment);
    assert.equal(snapshot(dir), before);
  });
}

test('a diverged row with blank losses is read as diverged (not as 0): the report runs', () => {
  const dir = damaged('csv-diverged', 'runs.csv', (l) => {
    for (const line of [2, 3]) {
      for (const c of ['train_loss', 'eval_loss', 'train_loss_normalized', 'eval_loss_normalized']) setCell(l, line, col(c), '');
      setCell(l, line, col('status'), 'diverged');
    }
  });
  const r = runCli(['report', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(fs.readFileSync(path.join(dir, 'report.md'), 'utf8'), /diverged/);
});

// ---- the journal ------------------------------------------------------------------------

test('a complete sweep without its journal (a committed study): the sweep command is refused, not a silent retrain over the committed files; --dry-run says the same; report still works', () => {
  const dir = finishedSweep('no-journal');
  fs.rmSync(path.join(dir, 'journal.jsonl'));
  const before = snapshot(dir);
  assertOneLine(runCli([...TINY, '--out', dir]), 2, /holds this sweep, complete, but not its journal\.jsonl.*allowed: a new --out/);
  assertOneLine(runCli([...TINY, '--out', dir, '--dry-run']), 2, /not its journal\.jsonl/);
  assert.equal(snapshot(dir), before);
  assert.equal(runCli(['report', dir]).code, 0);
});

for (const [what, junk] of [['{}', '{}'], ['42', '42'], ['null', 'null'], ['a partial record', '{"model":"mmoe","correlation":0.5,"lr":0.001}'], ['an array', '[1,2]']] as const) {
  test(`a journal line ${what} in a complete sweep: reported as file:line, the manifest stays complete, exit 0`, () => {
    const dir = finishedSweep(`journal-${what}`);
    const lines = journalLines(dir);
    fs.writeFileSync(path.join(dir, 'journal.jsonl'), [...lines.slice(0, 2), junk, ...lines.slice(2)].join('\n') + '\n');
    const r = runCli([...TINY, '--out', dir, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /journal\.jsonl:3: /);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.equal(JSON.parse(r.stdout).resumed, TINY_RUNS, 'a run after the bad line was dropped');
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')).status, 'complete');
  });
}

test('a junk line in the middle of the journal: only that run is re-run, every later one kept', () => {
  const dir = finishedSweep('journal-middle');
  const lines = journalLines(dir);
  lines[1] = 'this is not JSON';
  fs.writeFileSync(path.join(dir, 'journal.jsonl'), lines.join('\n') + '\n');
  const r = runCli([...TINY, '--out', dir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /journal\.jsonl:2: not JSON/);
  assert.equal(JSON.parse(r.stdout).resumed, TINY_RUNS - 1);
  assert.equal(fs.readFileSync(path.join(dir, 'runs.csv'), 'utf8').trimEnd().split('\n').length - 1, 2 * TINY_RUNS);
});

// ---- manifests --------------------------------------------------------------------------

for (const [what, text] of [['an empty object', '{}'], ['not JSON', '{"tool": "mmoe-sw'], ['null', 'null'], ['an array', '[]'], ['an empty file', ''], ['no config', '{"tool":"mmoe-sweep","configHash":"ab","status":"complete"}']] as const) {
  test(`a manifest that is ${what}: a sweep into the folder is refused (exit 2), nothing changed`, () => {
    const dir = finishedSweep(`manifest-${what}`);
    fs.writeFileSync(path.join(dir, 'manifest.json'), text);
    const before = snapshot(dir);
    assertOneLine(runCli([...TINY, '--out', dir]), 2, /manifest\.json is damaged/);
    assert.equal(snapshot(dir), before);
    assertOneLine(runCli([...TINY, '--out', dir, '--force']), 2, /manifest\.json is damaged/);
    assert.equal(snapshot(dir), before, '--force deleted files next to a damaged manifest');
  });
}

test('a manifest edited to hold a key twice is damaged: resume and merge would judge it on the last one', () => {
  const dir = finishedSweep('manifest-dup');
  const f = path.join(dir, 'manifest.json');
  const text = fs.readFileSync(f, 'utf8');
  const edited = text.replace(/^(\s*)"tool": /m, '$1"configHash": "0000000000000000",\n$1"tool": ');
  assert.notEqual(edited, text);
  fs.writeFileSync(f, edited);
  const before = snapshot(dir);
  assertOneLine(runCli([...TINY, '--out', dir]), 2, /manifest\.json is damaged \(the key "configHash" twice, at configHash\)/);
  assert.equal(snapshot(dir), before);
});

test('report on a folder whose manifest is {}: exit 2, nothing written', () => {
  const dir = finishedSweep('manifest-report');
  fs.writeFileSync(path.join(dir, 'manifest.json'), '{}');
  const before = snapshot(dir);
  assertOneLine(runCli(['report', dir]), 2, 'manifest.json');
  assert.equal(snapshot(dir), before);
});

test('report on a manifest edited to 1e9 histogram bins: exit 2 before allocating, nothing written', () => {
  const dir = finishedSweep('manifest-bins');
  const f = path.join(dir, 'manifest.json');
  const m = JSON.parse(fs.readFileSync(f, 'utf8'));
  m.config.report.histogramBins = 1e9;
  fs.writeFileSync(f, JSON.stringify(m));
  const before = snapshot(dir);
  assertOneLine(runCli(['report', dir]), 2, /config\.report is damaged.*histogramBins/);
  assert.equal(snapshot(dir), before);
});

test('merge with a shard whose manifest is {}: exit 2, no output', () => {
  const a = finishedSweep('merge-m1', ['--shard', '1/2']);
  const b = finishedSweep('merge-m2', ['--shard', '2/2']);
  fs.writeFileSync(path.join(b, 'manifest.json'), '{}');
  const out = path.join(tmpDir('merge-m'), 'out');
  assertOneLine(runCli(['merge', a, b, '--out', out]), 2, 'damaged');
  assert.equal(fs.existsSync(out), false);
});

// hand-edited planning values: merge (and resume) would plan no runs and write an empty "complete" sweep
for (const [what, key, value] of [['train.lr "x"', 'train', { lr: 'x' }], ['train.lr {"constructor": [0.01]}', 'train', { lr: { constructor: [0.01] } }], ['sweep.models []', 'sweep', { models: [] }], ['sweep.runs 0', 'sweep', { runs: 0 }]] as const) {
  test(`merge of shards whose manifests say ${what}: exit 2 naming the damage, no output`, () => {
    const a = finishedSweep('merge-lr1', ['--shard', '1/2']);
    const b = finishedSweep('merge-lr2', ['--shard', '2/2']);
    for (const dir of [a, b]) {
      const file = path.join(dir, 'manifest.json');
      const m = JSON.parse(fs.readFileSync(file, 'utf8'));
      Object.assign(m.config[key], value);
      fs.writeFileSync(file, JSON.stringify(m));
    }
    const out = path.join(tmpDir('merge-lr'), 'out');
    assertOneLine(runCli(['merge', a, b, '--out', out]), 2, /damaged \(a malformed config\./);
    assert.equal(fs.existsSync(out), false);
  });
}

test('a refused merge never rewrites a shard: a journal cut short stays byte for byte', () => {
  const a = finishedSweep('merge-cut', ['--shard', '1/3']);
  const journal = path.join(a, 'journal.jsonl');
  fs.appendFileSync(journal, '{"model":"mmoe","corr');
  const before = snapshot(path.dirname(a));
  const bytes = fs.readFileSync(journal);
  assertOneLine(runCli(['merge', a, '--out', path.join(tmpDir('merge-cut'), 'out')]), 2, 'missing');
  assert.deepEqual(fs.readFileSync(journal), bytes);
  assert.equal(snapshot(path.dirname(a)), before);
});

// ---- --force ------------------------------------------------------------------------------

test("--force into a folder with no manifest but a user's figures/ and report.md: refused, both untouched", () => {
  const dir = tmpDir('force-user');
  fs.mkdirSync(path.join(dir, 'figures'));
  fs.writeFileSync(path.join(dir, 'figures', 'my-plot.svg'), '<svg/>');
  fs.writeFileSync(path.join(dir, 'report.md'), '# my notes\n');
  const before = snapshot(dir);
  assertOneLine(runCli([...TINY, '--out', dir, '--force']), 2, /"figures".*"report\.md"|"report\.md".*"figures"/);
  assert.equal(snapshot(dir), before);
});

test("--force into a folder with no manifest and a user's runs.csv: refused, untouched", () => {
  const dir = tmpDir('force-runs');
  fs.writeFileSync(path.join(dir, 'runs.csv'), 'mine\n');
  const before = snapshot(dir);
  assertOneLine(runCli([...TINY, '--out', dir, '--force']), 2, 'runs.csv');
  assert.equal(snapshot(dir), before);
});

test("--force into a folder with only a user's notes: the sweep writes beside them, nothing deleted", () => {
  const dir = tmpDir('force-notes');
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine\n');
  const r = runCli([...TINY, '--out', dir, '--force']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8'), 'mine\n');
  assert.ok(fs.existsSync(path.join(dir, 'runs.csv')));
});

test("--force over another sweep: its files replaced, the user's files (and figures/mine.txt) kept", () => {
  const dir = finishedSweep('force-sweep');
  assert.equal(runCli(['report', dir]).code, 0);
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine\n');
  fs.writeFileSync(path.join(dir, 'figures', 'mine.txt'), 'mine too\n');
  const r = runCli([...TINY, '--steps', '10', '--out', dir, '--force']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')).config.train.steps, 10);
  assert.equal(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8'), 'mine\n');
  assert.deepEqual(fs.readdirSync(path.join(dir, 'figures')), ['mine.txt']);
  assert.equal(fs.existsSync(path.join(dir, 'report.md')), false, "the old sweep's report would describe another sweep");
  assert.deepEqual(temps(dir), []);
});
