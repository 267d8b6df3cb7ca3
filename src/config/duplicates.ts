// JSON.parse keeps the last of two equal keys without a word, so {"train": {"lr": [0.01], "lr":
// [0.1]}} trained at 0.1 while the file seemed to say 0.01. This scanner finds the first repeated
// key. It reads text JSON.parse has accepted already, so it only tracks structure: strings (keys
// or not), the opening and closing of objects and arrays, and commas; numbers and words pass by.
import { UsageError } from '../errors';

export interface DuplicateKey {
  /** The key as JSON.parse decodes it ("\u0061" and "a" are one key). */
  key: string;
  /** Where the second one sits, e.g. "train.lr", "sweep.grid.model.experts", "runs[2].seed". */
  path: string;
}

type Frame = { kind: 'object'; path: string; keys: Set<string>; valuePath: string } | { kind: 'array'; path: string; index: number };

/** Index of the quote closing the string that opens at `start`, stepping over escapes (\" and \\ included). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return i;
}

/** The first key given twice in one object of valid JSON text, or null when every key is distinct. */
export function findDuplicateKey(text: string): DuplicateKey | null {
  // an explicit stack, not recursion: a file nested 100,000 deep must not overflow the call stack
  const stack: Frame[] = [];
  let expectKey = false; // the next string is an object's key (after "{" or an object's ",")
  const here = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    return top.kind === 'object' ? top.valuePath : `${top.path}[${top.index}]`;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      if (expectKey) {
        const top = stack[stack.length - 1] as Extract<Frame, { kind: 'object' }>;
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        const path = top.path ? `${top.path}.${key}` : key;
        if (top.keys.has(key)) return { key, path };
        top.keys.add(key);
        top.valuePath = path;
        expectKey = false;
      }
      i = end;
    } else if (c === '{') {
      stack.push({ kind: 'object', path: here(), keys: new Set(), valuePath: '' });
      expectKey = true;
    } else if (c === '[') {
      stack.push({ kind: 'array', path: here(), index: 0 });
    } else if (c === '}' || c === ']') {
      stack.pop();
      expectKey = false;
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top.kind === 'object') expectKey = true;
      else top.index++;
    }
  }
  return null;
}

/** "FILE is damaged (PROBLEM); allowed: ALLOWED": how every reader refuses a manifest.json it cannot trust. */
export const damagedManifest = (file: string, problem: string, allowed: string): UsageError => new UsageError(`${file} is damaged (${problem}); allowed: ${allowed}`, file);

/**
 * A manifest.json's text parsed, for the sweep (resume, merge) and the report (report, compare)
 * alike: refused when it is not JSON or gives a key twice, since JSON.parse would keep the last
 * of the two without a word and the folder would be judged on a value its file does not show.
 */
export function parseManifestText(file: string, text: string, allowed: string): unknown {
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch {
    throw damagedManifest(file, 'not JSON', allowed);
  }
  const dup = findDuplicateKey(text);
  if (dup) throw damagedManifest(file, `the key ${JSON.stringify(dup.key)} twice, at ${dup.path}`, allowed);
  return x;
}
