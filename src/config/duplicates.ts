// JSON.parse keeps the last of two equal keys without a word, so {"train": {"lr": [0.01], "lr":
// [0.1]}} trained at 0.1 while the file seemed to say 0.01. This scanner finds the first repeated
// key. It reads text JSON.parse has accepted already, so it only tracks structure: strings (keys
// or not), the opening and closing of objects and arrays, and commas; numbers and words pass by.

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
