// Type test (tsc --noEmit -p test/types): the declarations as an ES module user sees them,
// through the package's own name and its "exports" (types -> index.d.ts).
import sharp from 'gpu-resize';
import type { OutputInfo, OutputSpec, Backends, ManyOutput, Metadata, ResizeOptions } from 'gpu-resize';

async function main (input: Buffer): Promise<void> {
  const { data, info }: { data: Buffer; info: OutputInfo } = await sharp(input)
    .resize(800, 600, { fit: 'cover', position: 'attention', kernel: sharp.kernel.lanczos3 })
    .jpeg({ quality: 80, mozjpeg: true })
    .toBuffer({ resolveWithObject: true });
  const backend: 'gpu' | 'cpu' | 'vips' | 'sharp' = info.backend;
  const reason: string | undefined = info.fallbackReason;
  console.log(data.length, backend, reason);

  const buffer: Buffer = await sharp(input).rotate(90).webp({ lossless: true }).toBuffer();
  const written: OutputInfo = await sharp(buffer).resize({ width: 100 }).toFile('out.png');
  const meta: Metadata = await sharp(input).metadata();
  console.log(written.size, meta.width, meta.format);

  // Operations delegated to sharp keep sharp's signatures
  await sharp(input).blur(2).composite([{ input: buffer, gravity: 'southeast' }]).extend(10).toBuffer();

  // Many outputs from one decode
  const outputs: OutputSpec[] = [
    { width: 1600, format: 'webp', quality: 80 },
    { width: 320, height: 320, fit: 'cover', format: 'jpeg', quality: 60, progressive: true },
    { width: 64, format: 'raw' },
    { height: 100 }
  ];
  const set: ManyOutput[] = await sharp(input).toBuffers(outputs);
  const chained: boolean | undefined = set[0].info.resizedFrom?.chained;
  const alone: ManyOutput[] = await sharp.toBuffers(input, [{ width: 10 }], { failOn: 'none' });
  console.log(chained, alone[0].info.decoded?.width);

  // Statics
  const backends: Backends = sharp.backends();
  const available: boolean = backends.gpu.available && sharp.delegation.available;
  const version: string = sharp.versions['gpu-resize'];
  const options: ResizeOptions = { fit: sharp.fit.inside, withoutEnlargement: true };
  console.log(available, version, options, sharp.counters().process, sharp.format.jpeg.output.buffer);
  const frame: Buffer = sharp.pinnedBuffer(3840 * 2160 * 3);
  const uploads: number = sharp.pinnedMemory().directUploads;
  console.log(await sharp(frame, { raw: { width: 3840, height: 2160, channels: 3 } }).resize(1920).raw().toBuffer(), uploads);

  // Streams: a Duplex like sharp's
  const transformer = sharp().resize(200).on('info', (i: OutputInfo) => console.log(i.backend));
  process.stdin.pipe(transformer).pipe(process.stdout);
}

// @ts-expect-error: width must be a number
sharp().resize('wide');
// @ts-expect-error: a format's options belong to that format
const bad: OutputSpec = { width: 10, format: 'png', mozjpeg: true };
// @ts-expect-error: backends() has no 'tpu'
sharp.backends().tpu;
// @ts-expect-error: pinnedBuffer takes a size
sharp.pinnedBuffer();

export { main, bad };
