import { post } from './vscode-api';

/** Rasterises an SVG document at twice its size and returns the PNG as base64 (no data: prefix). */
export async function svgToPngBase64(svg: string, width: number, height: number, scale = 2): Promise<string> {
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.decoding = 'async';
    await new Promise<void>((resolve, reject) => {
      image.onload = () => resolve();
      image.onerror = () => reject(new Error('the chart could not be rasterised'));
      image.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas available');
    ctx.scale(scale, scale);
    ctx.drawImage(image, 0, 0, width, height);
    return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
  } finally {
    URL.revokeObjectURL(url);
  }
}

export function exportText(format: 'svg' | 'csv', fileName: string, text: string): void {
  post({ type: 'export', format, fileName, data: text });
}

export async function exportPng(fileName: string, svg: string, width: number, height: number): Promise<void> {
  post({ type: 'export', format: 'png', fileName, data: await svgToPngBase64(svg, width, height) });
}
