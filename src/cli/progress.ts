// Progress: a cli-progress bar on a TTY, plain periodic lines otherwise (CI logs, pipes).
// Both show elapsed time, an ETA that reads "unknown" until a run of this invocation has
// finished (runs resumed from an earlier one say nothing about speed), and, when the sweep
// reports it, the sweep's run-steps (one run trained one step), which move inside long groups.
import { SingleBar, Presets } from 'cli-progress';
import { duration } from '../sweep/estimate';

export interface Progress {
  update(done: number, total: number): void;
  /** Run-steps done and total over the whole sweep (resumed runs count as done). */
  steps(done: number, total: number): void;
  stop(): void;
}

/** ETA from the runs finished since this invocation started; "unknown" before the first. */
export function eta(first: number, done: number, total: number, elapsedSeconds: number): string {
  if (done >= total) return '0s';
  const rate = (done - first) / Math.max(elapsedSeconds, 1e-9);
  return rate > 0 ? duration((total - done) / rate) : 'unknown';
}

export function progress(opts: { quiet: boolean; label: string; everySeconds?: number; tty?: boolean; write?: (s: string) => void }): Progress {
  if (opts.quiet) return { update() {}, steps() {}, stop() {} };
  const t0 = Date.now();
  const elapsed = () => (Date.now() - t0) / 1000;
  let first: number | null = null; // runs already finished by an earlier, resumed invocation
  let runs = { done: 0, total: 0 };
  let steps = '';
  const stepText = (done: number, total: number) => (total > 0 ? ` | ${done}/${total} run-steps` : '');

  if (opts.tty ?? process.stderr.isTTY) {
    const bar = new SingleBar(
      { format: `${opts.label} [{bar}] {value}/{total} runs | {percentage}% | elapsed {duration_formatted} | ETA {remaining}{steps}`, stream: process.stderr, hideCursor: true },
      Presets.shades_classic,
    );
    let started = false;
    const payload = () => ({ remaining: eta(first ?? runs.done, runs.done, runs.total, elapsed()), steps });
    return {
      update(done, total) {
        first ??= done;
        runs = { done, total };
        if (!started) {
          bar.start(total, done, payload());
          started = true;
        } else bar.update(done, payload());
      },
      steps(done, total) {
        steps = stepText(done, total);
        if (started) bar.update(runs.done, payload());
      },
      stop: () => started && bar.stop(),
    };
  }
  const write = opts.write ?? ((s: string) => process.stderr.write(s));
  const every = (opts.everySeconds ?? 10) * 1000;
  let last = 0;
  const line = (force: boolean) => {
    const now = Date.now();
    if (!force && now - last < every) return;
    last = now;
    const { done, total } = runs;
    write(`${opts.label}: ${done}/${total} runs (${total ? Math.floor((100 * done) / total) : 0}%), ${duration(elapsed())} elapsed, eta ${eta(first ?? done, done, total, elapsed())}${steps}\n`);
  };
  return {
    update(done, total) {
      first ??= done;
      runs = { done, total };
      line(done >= total);
    },
    steps(done, total) {
      steps = stepText(done, total);
      line(false);
    },
    stop() {},
  };
}
