// JUnit XML for CI systems (one <testcase> per claim, sanity gate or compared cell), so a
// pipeline shows the verdict natively. Only the subset every CI reader accepts.

export interface JunitCase {
  name: string;
  classname: string;
  /** Failure message (the numbers behind it); absent when the case passed. */
  failure?: string;
  /** Skipped with this reason (a claim the sweep cannot judge). */
  skipped?: string;
  /** Longer text shown beside the case. */
  output?: string;
}

const escape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
    // XML 1.0 forbids most control characters even as references
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

export function junitXml(suite: string, cases: JunitCase[]): string {
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const skipped = cases.filter((c) => c.failure === undefined && c.skipped !== undefined).length;
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="${escape(suite)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}">`];
  out.push(`  <testsuite name="${escape(suite)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}">`);
  for (const c of cases) {
    const body: string[] = [];
    if (c.failure !== undefined) body.push(`      <failure message="${escape(c.failure)}">${escape(c.failure)}</failure>`);
    else if (c.skipped !== undefined) body.push(`      <skipped message="${escape(c.skipped)}"/>`);
    if (c.output) body.push(`      <system-out>${escape(c.output)}</system-out>`);
    const open = `    <testcase name="${escape(c.name)}" classname="${escape(c.classname)}"`;
    out.push(body.length ? `${open}>\n${body.join('\n')}\n    </testcase>` : `${open}/>`);
  }
  out.push('  </testsuite>', '</testsuites>', '');
  return out.join('\n');
}
