// A sweep folder's time, over every session that trained into it: a study interrupted and
// resumed ran in several invocations, and the last one's wall time alone understated it.

/** One invocation of the sweep command on the folder. */
export interface Session {
  started: string;
  /** Its wall seconds, start-up to its last manifest write. */
  seconds: number;
  /** Runs it trained and kept (journaled); null for a session recorded before sessions were kept. */
  runs: number | null;
  /** Training steps of those runs (one model, one replica, one step each); null as for runs. */
  modelSteps: number | null;
}

/** The manifest's timing fields. */
export interface Timing {
  /** When the first session started (none for a merge of shards that record no session). */
  started: string | undefined;
  /** Wall seconds of all sessions together (the gaps between them not counted). */
  seconds: number;
  sessions: number;
  sessionLog: Session[];
  /** Training steps of every run the folder holds. */
  modelSteps: number;
  /** modelSteps / seconds: the rate over the whole study. */
  modelStepsPerSecond: number;
}

const isSession = (s: unknown): s is Session => {
  const x = s as Session;
  return typeof x === 'object' && x !== null && typeof x.started === 'string' && typeof x.seconds === 'number' && Number.isFinite(x.seconds) && x.seconds >= 0;
};

/**
 * The sessions an earlier manifest of this folder records. One written before sessions were
 * kept (results/* committed then) holds only its last session's start and seconds: that one
 * session, with its runs unknown.
 */
export function earlierSessions(m: Record<string, unknown> | null): Session[] {
  if (!m) return [];
  if (Array.isArray(m.sessionLog)) return m.sessionLog.filter(isSession);
  const legacy = { started: m.started, seconds: m.seconds, runs: null, modelSteps: null };
  return isSession(legacy) ? [legacy] : [];
}

/** The timing a manifest records: its sessions in order, and the totals over all of them. */
export function timingOf(sessionLog: Session[], modelSteps: number): Timing {
  const seconds = sessionLog.reduce((a, s) => a + s.seconds, 0);
  return {
    started: sessionLog[0]?.started,
    seconds: round(seconds, 3),
    sessions: sessionLog.length,
    sessionLog,
    modelSteps,
    modelStepsPerSecond: seconds > 0 ? round(modelSteps / seconds, 1) : 0,
  };
}

/**
 * A merged folder's timing: every shard's sessions, by start. Shards that ran at once overlap,
 * so its seconds is the work's wall time summed over the machines, not the time it took.
 */
export function mergedTiming(shards: Record<string, unknown>[], modelSteps: number): Timing {
  return timingOf(shards.flatMap(earlierSessions).sort((a, b) => (a.started < b.started ? -1 : a.started > b.started ? 1 : 0)), modelSteps);
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
