// The benchmark's tasks (bench/run.js; bench/batches.js runs tasks 1, 2 and 6 alone): each
// prepares its input once (with sharp, the reference) and builds one call for a library.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const sharp = require('sharp');

function defineTasks(images) {
  const read = (f) => fs.readFileSync(path.join(images, f));
  // Tasks 3 and 7: the photo as a raw 4K frame, resized Buffer to Buffer to 1080p.
  const frame4k = () => sharp(read('2569067123_aca715a2ee_o.jpg'))
    .resize(3840, 2160, { fit: 'fill' }).removeAlpha().raw().toBuffer();
  const raw4kTo1080 = {
    rawIn: { width: 3840, height: 2160, channels: 3 },
    call: (lib, input) => lib(input, { raw: { width: 3840, height: 2160, channels: 3 } })
      .resize(1920, 1080).raw(),
    rawOut: { width: 1920, height: 1080, channels: 3 }
  };
  return [
    {
      id: 1,
      name: 'JPEG 2725x2225 -> 720x588 lanczos3 -> JPEG q80',
      note: "sharp's own benchmark task",
      prepare: async () => read('2569067123_aca715a2ee_o.jpg'),
      call: (lib, input) => lib(input).resize(720, 588).jpeg({ quality: 80 })
    },
    {
      id: 2,
      name: 'JPEG 3840x2160 -> 1920x1080 -> JPEG q80',
      note: 'input: the photo resized by sharp to 3840x2160 (fill), JPEG q90',
      prepare: async () => sharp(read('2569067123_aca715a2ee_o.jpg'))
        .resize(3840, 2160, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer(),
      call: (lib, input) => lib(input).resize(1920, 1080).jpeg({ quality: 80 })
    },
    {
      id: 3,
      name: 'raw RGB 3840x2160 -> 1920x1080 raw',
      note: 'Buffer to Buffer, no codec: the photo resized by sharp to 3840x2160 (fill)',
      prepare: frame4k,
      ...raw4kTo1080
    },
    {
      id: 7,
      name: 'raw RGB 3840x2160 -> 1920x1080 raw, pinned input',
      note: "task 3's input in a Buffer from gpu-resize's pinnedBuffer() (page-locked), every contender",
      prepare: async () => {
        const frame = await frame4k();
        const pinned = require('..').pinnedBuffer(frame.length);
        frame.copy(pinned);
        return pinned;
      },
      ...raw4kTo1080
    },
    {
      id: 4,
      name: 'PNG RGBA 2048x1536 -> 720x540 -> PNG level 6',
      note: 'alpha-premultiply-2048x1536-paper.png; png({compressionLevel: 6, adaptiveFiltering: false})',
      prepare: async () => read('alpha-premultiply-2048x1536-paper.png'),
      call: (lib, input) => lib(input).resize(720, 540).png({ compressionLevel: 6, adaptiveFiltering: false })
    },
    {
      id: 5,
      name: 'WebP 1024x772 -> 275x184 -> WebP',
      note: '4.webp; default fit cover',
      prepare: async () => read('4.webp'),
      call: (lib, input) => lib(input).resize(275, 184).webp()
    },
    {
      id: 6,
      name: 'JPEG 720x588 -> 2880x2352 upscale -> JPEG q80',
      note: 'input: the photo resized by sharp to 720x588, JPEG q90',
      prepare: async () => sharp(read('2569067123_aca715a2ee_o.jpg'))
        .resize(720, 588).jpeg({ quality: 90 }).toBuffer(),
      call: (lib, input) => lib(input).resize(2880, 2352).jpeg({ quality: 80 })
    }
  ];
}

module.exports = { defineTasks };
