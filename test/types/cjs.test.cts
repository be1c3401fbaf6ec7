// Type test: the declarations as a CommonJS user sees them (require, `export =`).
import sharp = require('gpu-resize');

export async function thumbnail (file: string): Promise<sharp.OutputInfo> {
  const instance: sharp.Sharp = sharp(file, { limitInputPixels: 1e8 }).resize(100);
  return instance.clone().png().toFile('thumb.png');
}
