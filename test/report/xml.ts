// A strict reader for the XML subset JUnit files use (declaration, elements, attributes, text,
// the five predefined entities): enough to prove a file is well-formed and to read it back.
import assert from 'node:assert/strict';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string, where: string): string {
  assert.ok(!s.includes('<'), `raw < in ${where}`);
  return s.replace(/&([a-z]+);|&/g, (m, name) => {
    assert.ok(name && name in ENTITIES, `bad entity ${m} in ${where}`);
    return ENTITIES[name];
  });
}

export function parseXml(xml: string): XmlElement {
  let rest = xml.replace(/^<\?xml version="1\.0" encoding="UTF-8"\?>\s*/, '');
  assert.ok(rest.length < xml.length, 'no XML declaration');
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack = [root];
  while (rest.length) {
    const lt = rest.indexOf('<');
    const text = lt < 0 ? rest : rest.slice(0, lt);
    stack[stack.length - 1].text += decode(text, 'text');
    if (lt < 0) break;
    rest = rest.slice(lt);
    const tag = /^<(\/?)([A-Za-z][\w.-]*)((?:\s+[A-Za-z][\w.-]*="[^"<]*")*)\s*(\/?)>/.exec(rest);
    assert.ok(tag, `malformed tag at ${JSON.stringify(rest.slice(0, 40))}`);
    const [whole, close, name, attrText, selfClose] = tag;
    rest = rest.slice(whole.length);
    if (close) {
      const open = stack.pop()!;
      assert.equal(open.name, name, `</${name}> closes <${open.name}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const m of attrText.matchAll(/([A-Za-z][\w.-]*)="([^"]*)"/g)) {
      assert.ok(!(m[1] in attrs), `duplicate attribute ${m[1]}`);
      attrs[m[1]] = decode(m[2], `attribute ${m[1]}`);
    }
    const el: XmlElement = { name, attrs, children: [], text: '' };
    stack[stack.length - 1].children.push(el);
    if (!selfClose) stack.push(el);
  }
  assert.equal(stack.length, 1, `unclosed <${stack[stack.length - 1].name}>`);
  assert.equal(root.children.length, 1, 'one root element');
  assert.equal(root.text.trim(), '', 'text outside the root');
  return root.children[0];
}

/** The <testcase> elements of a JUnit file, checked against the counts its suites declare. */
export function junitCases(xml: string): XmlElement[] {
  const root = parseXml(xml);
  assert.equal(root.name, 'testsuites');
  const cases = root.children.flatMap((suite) => {
    assert.equal(suite.name, 'testsuite');
    const own = suite.children.filter((c) => c.name === 'testcase');
    assert.equal(Number(suite.attrs.tests), own.length, 'tests attribute');
    assert.equal(Number(suite.attrs.failures), own.filter((c) => c.children.some((x) => x.name === 'failure')).length, 'failures attribute');
    return own;
  });
  assert.equal(Number(root.attrs.tests), cases.length);
  return cases;
}
