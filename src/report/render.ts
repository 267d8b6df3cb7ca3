// SVG → PNG and PDF for slides and papers, with no browser and no canvas: resvg compiled to
// wasm (@resvg/resvg-wasm) for the PNG, pdfkit + svg-to-pdfkit (pure JS, vector) for the PDF,
// and the DejaVu Sans TrueType font shipped in an npm package, so the picture is the same on
// every machine, whatever fonts it has.
import { createHash } from 'crypto';
import * as fs from 'fs';

/** The font every figure names (figures.ts FONT), loaded from the dejavu-fonts-ttf package. */
export const FONT_FAMILY = 'DejaVu Sans';
/** PNG pixels per SVG pixel: 2 gives about 150 dpi at the figures' printed size. */
export const PNG_SCALE = 2;

let ready: Promise<typeof import('@resvg/resvg-wasm')> | null = null;

function resvg(): Promise<typeof import('@resvg/resvg-wasm')> {
  ready ??= (async () => {
    const mod = await import('@resvg/resvg-wasm');
    await mod.initWasm(fs.readFileSync(require.resolve('@resvg/resvg-wasm/index_bg.wasm')));
    return mod;
  })();
  return ready;
}

let fonts: Uint8Array[] | null = null;

function fontBuffers(): Uint8Array[] {
  fonts ??= ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => fs.readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${f}`)));
  return fonts;
}

/** White margin kept around the drawing, in SVG pixels. */
const MARGIN = 8;

type Tree = InstanceType<typeof import('@resvg/resvg-wasm').Resvg>;

/** The SVG parsed by resvg at `zoom`, with our font, on white. */
async function parsed(svg: string, zoom: number): Promise<Tree> {
  const { Resvg } = await resvg();
  // vega's full-size white background would make the whole canvas "drawn"; resvg paints white instead
  return new Resvg(svg.replace(/^(<svg[^>]*>)<rect width="[\d.]+" height="[\d.]+" fill="white"\/>/, '$1'), {
    fitTo: { mode: 'zoom', value: zoom },
    background: 'white',
    font: { fontBuffers: fontBuffers(), loadSystemFonts: false, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
  });
}

/** What is drawn plus a margin, within the canvas, in the parsed tree's pixels (null: nothing drawn). */
function drawnBox(r: Tree): { x: number; y: number; width: number; height: number } | null {
  const box = r.getBBox();
  if (!box) return null;
  const x = Math.max(0, box.x - MARGIN);
  const y = Math.max(0, box.y - MARGIN);
  const out = { x, y, width: Math.min(r.width - x, box.x + box.width + MARGIN - x), height: Math.min(r.height - y, box.y + box.height + MARGIN - y) };
  box.free();
  return out;
}

/**
 * A PNG of the SVG at PNG_SCALE, on white, cropped to what is drawn plus a margin (without a
 * canvas, vega measures text by estimate and leaves blank space at the right); size in pixels.
 */
export async function svgToPng(svg: string): Promise<{ png: Buffer; width: number; height: number }> {
  const r = await parsed(svg, PNG_SCALE);
  const crop = drawnBox(r);
  if (crop) {
    const box = r.getBBox()!;
    [box.x, box.y, box.width, box.height] = [crop.x, crop.y, crop.width, crop.height];
    r.cropByBBox(box);
    box.free();
  }
  const image = r.render();
  const out = { png: Buffer.from(image.asPng()), width: image.width, height: image.height };
  image.free();
  r.free();
  return out;
}

/** The slice of pdfkit's document that svgToPdf uses (the package ships no types). */
interface PdfDoc {
  registerFont(name: string, src: Buffer): void;
  on(event: 'data', f: (chunk: Buffer) => void): void;
  on(event: 'end', f: () => void): void;
  on(event: 'error', f: (e: Error) => void): void;
  info: Record<string, unknown>;
  end(): void;
}
type PdfKit = new (options: Record<string, unknown>) => PdfDoc;
type SvgToPdfKit = (doc: PdfDoc, svg: string, x: number, y: number, options: Record<string, unknown>) => void;

/**
 * A vector PDF of the SVG, text in embedded DejaVu Sans, one SVG pixel to the point, the page
 * cropped like the PNG. Byte-identical for the same SVG: pdfkit's creation date (its only
 * clock read) is pinned and left out of the file, and the /ID it hashes from the document
 * info differs between figures by the SVG's digest there. Rejects, with svg-to-pdfkit's own words, on anything it could
 * not draw.
 */
export async function svgToPdf(svg: string, title: string): Promise<Buffer> {
  const r = await parsed(svg, 1);
  const [width, height] = [r.width, r.height];
  const box = drawnBox(r) ?? { x: 0, y: 0, width, height };
  r.free();
  const PDFDocument: PdfKit = require('pdfkit');
  const SVGtoPDF: SvgToPdfKit = require('svg-to-pdfkit');
  const digest = createHash('sha256').update(svg).digest('hex');
  const doc = new PDFDocument({
    size: [box.width, box.height], margin: 0,
    info: { Title: title, Creator: 'mmoe-sweep report', Producer: 'PDFKit', CreationDate: new Date(0), SVGDigest: digest },
  });
  // hidden from the Info dictionary pdfkit writes, which would claim 1970; pdfkit still reads it (ID, XMP at PDF 1.4+, not written at its 1.3)
  Object.defineProperty(doc.info, 'CreationDate', { value: doc.info.CreationDate, enumerable: false });
  for (const [i, buffer] of fontBuffers().entries()) doc.registerFont(PDF_FONTS[i], Buffer.from(buffer));
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const problems: string[] = [];
  // pdfkit refuses a dash with a zero gap; vega writes a solid line's dash as "L,0"
  SVGtoPDF(doc, svg.replace(/ stroke-dasharray="[\d.]+,0"/g, ''), -box.x, -box.y, {
    width, height, assumePt: true,
    fontCallback: (_family: string, bold: boolean) => PDF_FONTS[bold ? 1 : 0],
    warningCallback: (w: string) => problems.push(w),
  });
  doc.end();
  const pdf = await done;
  if (problems.length) throw new Error(problems.join('; '));
  return pdf;
}

/** The names pdfkit knows fontBuffers() by, in its order. */
const PDF_FONTS = [FONT_FAMILY, `${FONT_FAMILY} Bold`];
