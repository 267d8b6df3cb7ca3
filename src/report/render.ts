// SVG → PNG for slides and papers, with no browser and no canvas: resvg compiled to wasm
// (@resvg/resvg-wasm) and the DejaVu Sans TrueType font shipped in an npm package, so the
// picture is the same on every machine, whatever fonts it has.
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

/**
 * A PNG of the SVG at PNG_SCALE, on white, cropped to what is drawn plus a margin (without a
 * canvas, vega measures text by estimate and leaves blank space at the right); size in pixels.
 */
export async function svgToPng(svg: string): Promise<{ png: Buffer; width: number; height: number }> {
  const { Resvg } = await resvg();
  // vega's full-size white background would make the whole canvas "drawn"; resvg paints white instead
  const r = new Resvg(svg.replace(/^(<svg[^>]*>)<rect width="[\d.]+" height="[\d.]+" fill="white"\/>/, '$1'), {
    fitTo: { mode: 'zoom', value: PNG_SCALE },
    background: 'white',
    font: { fontBuffers: fontBuffers(), loadSystemFonts: false, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
  });
  const box = r.getBBox();
  if (box) {
    const x = Math.max(0, box.x - MARGIN);
    const y = Math.max(0, box.y - MARGIN);
    [box.width, box.height] = [Math.min(r.width - x, box.x + box.width + MARGIN - x), Math.min(r.height - y, box.y + box.height + MARGIN - y)];
    [box.x, box.y] = [x, y];
    r.cropByBBox(box);
    box.free();
  }
  const image = r.render();
  const out = { png: Buffer.from(image.asPng()), width: image.width, height: image.height };
  image.free();
  r.free();
  return out;
}
