// A folder records the data stream its runs were drawn from; resume and merge refuse another one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { DATA_STREAM_VERSION } from '../../src/data/generator';
import { runCli, snapshot, tmpDir } from '../helpers/cli';

const ARGS = ['--preset', 'smoke', '--steps', '10', '--jobs', '1', '--quiet'];
const manifestOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));

/** Rewrites a folder's manifest as an older mmoe-sweep would have left it: stream `v`, or no field (stream 1). */
function pretendStream(dir: string, v: number | null): void {
  const m = manifestOf(dir);
  if (v === null) delete m.dataStream;
  else m.dataStream = v;
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m, null, 2) + '\n');
}

test('manifest.json records the data stream; resuming a folder of another stream is refused in one line, exit 2', () => {
  const dir = tmpDir('stream');
  const out = path.join(dir, 'out');
  assert.equal(runCli([...ARGS, '--out', out]).code, 0);
  assert.equal(manifestOf(out).dataStream, DATA_STREAM_VERSION);
  // the same command on a finished folder of this stream resumes (nothing left to run)
  assert.equal(runCli([...ARGS, '--out', out]).code, 0);

  for (const [v, shown] of [[null, 1], [1, 1], [3, 3]] as const) {
    pretendStream(out, v);
    const before = snapshot(dir);
    const r = runCli([...ARGS, '--out', out]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr.trimEnd(),
      `mmoe-sweep: --out ${JSON.stringify(out)} was written with data stream ${shown}; this mmoe-sweep writes data stream ${DATA_STREAM_VERSION}; allowed: a new folder, or --force to replace it`,
    );
    assert.equal(snapshot(dir), before, 'a refused resume wrote something');
  }
  // --force replaces it with a sweep of this stream
  const forced = runCli([...ARGS, '--out', out, '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(manifestOf(out).dataStream, DATA_STREAM_VERSION);
});

test('merge refuses a shard written with another data stream, in one line, exit 2, writing nothing', () => {
  const dir = tmpDir('stream-merge');
  const shards = ['1/2', '2/2'].map((s, i) => {
    const out = path.join(dir, `s${i + 1}`);
    assert.equal(runCli([...ARGS, '--shard', s, '--out', out]).code, 0);
    return out;
  });
  pretendStream(shards[1], null);
  const before = snapshot(dir);
  const r = runCli(['merge', ...shards, '--out', path.join(dir, 'merged')]);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(
    r.stderr.trimEnd(),
    `mmoe-sweep: shard ${JSON.stringify(shards[1])} was written with data stream 1; this mmoe-sweep writes data stream ${DATA_STREAM_VERSION}; allowed: shards written by this version (run them again)`,
  );
  assert.equal(snapshot(dir), before, 'a refused merge wrote something');
  // both shards of this stream merge, and the merged manifest carries the stream
  pretendStream(shards[1], DATA_STREAM_VERSION);
  const ok = runCli(['merge', ...shards, '--out', path.join(dir, 'merged')]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(manifestOf(path.join(dir, 'merged')).dataStream, DATA_STREAM_VERSION);
});
