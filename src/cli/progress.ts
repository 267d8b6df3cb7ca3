// Progress: a cli-progress bar on a TTY, plain periodic lines otherwise (CI logs, pipes).
import { SingleBar, Presets } from 'cli-progress';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

export function progress(opts: { quiet: boolean; label: string; everySeconds?: number }): Progress {
  if (opts.quiet) return { update() {}, stop() {} };
  if (process.stderr.isTTY) {
    const bar = new SingleBar(
      { format: `${opts.label} [{bar}] {value}/{total} runs | {percentage}% | ETA {eta_formatted}`, stream: process.stderr, etaBuffer: 20, hideCursor: true },
      Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total) {
        if (!started) {
          bar.start(total, done);
          started = true;
        } else bar.update(done);
      },
      stop: () => started && bar.stop(),
    };
  }
  const every = (opts.everySeconds ?? 10) * 1000;
  const t0 = Date.now();
  let last = 0;
  let first: number | null = null;
  return {
    update(done, total) {
      first ??= done; // runs already finished by an earlier, resumed invocation
      const now = Date.now();
      if (done < total && now - last < every) return;
      last = now;
      const elapsed = (now - t0) / 1000;
      const rate = (done - first) / Math.max(elapsed, 1e-9);
      const eta = rate > 0 ? `${Math.round((total - done) / rate)}s` : '?';
      process.stderr.write(`${opts.label}: ${done}/${total} runs (${Math.floor((100 * done) / total)}%), ${Math.round(elapsed)}s elapsed, eta ${eta}\n`);
    },
    stop() {},
  };
}
