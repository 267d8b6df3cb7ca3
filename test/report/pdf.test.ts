// The PDF beside each figure: vector (text in an embedded font, no image), cropped like the
// PNG, byte-identical for the same SVG, and a refusal, not a broken file, for what it cannot draw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'zlib';
import { svgToPdf, svgToPng } from '../../src/report/render';

// what vega writes: a white background, bold and plain text, a solid line with dash "1,0"
const svg = (label: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200"><rect width="400" height="200" fill="white"/>` +
  `<g transform="translate(20,30)"><text font-family="DejaVu Sans" font-weight="bold" font-size="17">${label}</text>` +
  `<text y="30" font-family="DejaVu Sans" font-size="13">held-out MSE</text>` +
  `<path d="M0,60L200,100" stroke="#d62728" stroke-width="2" stroke-dasharray="1,0" fill="none"/>` +
  `<path d="M0,80L200,120" stroke="#1f77b4" stroke-width="2" stroke-dasharray="2,3" fill="none"/></g></svg>`;

/** The PDF's content streams, inflated. */
function streams(pdf: Buffer): string[] {
  const out: string[] = [];
  const text = pdf.toString('latin1');
  for (let at = text.indexOf('stream\n'); at >= 0; at = text.indexOf('stream\n', at + 1)) {
    if (text.slice(at - 3, at) === 'end') continue;
    const body = pdf.subarray(at + 7, text.indexOf('\nendstream', at));
    try {
      out.push(zlib.inflateSync(body).toString('latin1'));
    } catch {
      out.push(body.toString('latin1')); // stored uncompressed
    }
  }
  return out;
}

test('a PDF of the SVG: vector text in embedded DejaVu Sans, the page cropped to the drawing like the PNG', async () => {
  const pdf = await svgToPdf(svg('Final held-out loss'), 'fig-test');
  const text = pdf.toString('latin1');
  assert.equal(text.slice(0, 5), '%PDF-');
  assert.match(text.slice(-7), /%%EOF\n?$/);
  assert.match(text, /\/BaseFont \/[A-Z]{6}\+DejaVuSans-Bold\b/);
  assert.match(text, /\/BaseFont \/[A-Z]{6}\+DejaVuSans\b/);
  assert.match(text, /\/FontFile2 /, 'the font is embedded');
  assert.doesNotMatch(text, /\/Subtype \/Image/, 'vector, not a picture in a PDF');
  assert.doesNotMatch(text, /\/CreationDate/, 'no clock in the file');
  const content = streams(pdf).join('\n');
  assert.equal((content.match(/\bBT\b/g) ?? []).length, 2, 'two text objects');
  assert.match(content, /\[[\d.]+ [\d.]+\] [\d.]+ d/, 'the dashed line keeps its dash');
  // 1 SVG pixel = 1 pt; the PNG is the same crop at twice the scale
  const box = text.match(/\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/)!.slice(1).map(Number);
  const png = await svgToPng(svg('Final held-out loss'));
  assert.ok(Math.abs(box[0] - png.width / 2) <= 1 && Math.abs(box[1] - png.height / 2) <= 1, `page ${box} vs png ${png.width}×${png.height}`);
  assert.ok(box[0] < 400 && box[1] < 200, 'cropped');
});

test('the same SVG gives the same bytes; another SVG another file /ID', async () => {
  const a = await svgToPdf(svg('one'), 'fig');
  const b = await svgToPdf(svg('one'), 'fig');
  assert.ok(a.equals(b));
  const id = (p: Buffer) => p.toString('latin1').match(/\/ID \[<([0-9a-f]+)>/)![1];
  assert.notEqual(id(await svgToPdf(svg('two'), 'fig')), id(a));
});

test('what svg-to-pdfkit cannot draw is refused with its reason, not written half-drawn', async () => {
  const bad = svg('x').replace('</g>', '<polygon points="1,2 3"/></g>');
  await assert.rejects(svgToPdf(bad, 'fig'), /uneven number of coordinates/);
});
