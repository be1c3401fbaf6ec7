// GPU-encoded JPEGs under mixed concurrent load against their lone runs, byte for byte:
//   ROUNDS=3 UV_THREADPOOL_SIZE=32 node bench/nvjpeg/mixups.js      (SAVE=PREFIX keeps one pair)
// Runs the 1000-request mix of test/gpu/jpeg.test.js ROUNDS times (two of its kinds have JPEG
// output: 300x245 q80 and a 500x500 crop at q90). For each output that differs from its lone run
// it says which part differs (quantisation tables, Huffman tables, frame header, scan), the
// PSNR against the lone run, and whose quantisation tables the header carries. This is how the
// fresh-encoder race in src/gpu/jpeg_encode.c (encoder_create) was found: the header said q80,
// the scan was quantised at q75 (bench/results/h100-16core-mixups/).
'use strict';
const { sharp, oracle, image, PHOTO, mixedKinds } = require('../../test/gpu/helpers');
process.env.GPU_RESIZE_GPU_DECODE = '1';
process.env.GPU_RESIZE_GPU_ENCODE = '1';
function parts (b) {
  const out = { dqt: [], dht: [], sof: null, scan: null };
  let p = 2;
  while (p + 4 <= b.length && b[p] === 0xFF) {
    const m = b[p + 1]; const len = b.readUInt16BE(p + 2);
    const seg = b.subarray(p, p + 2 + len);
    if (m === 0xDB) out.dqt.push(seg);
    else if (m === 0xC4) out.dht.push(seg);
    else if (m >= 0xC0 && m <= 0xC2) out.sof = seg;
    if (m === 0xDA) { out.scan = b.subarray(p); break; }
    p += 2 + len;
  }
  return out;
}
function tables (b) { // id -> hex of 64 bytes
  const t = {};
  for (const seg of parts(b).dqt) { let p = 4; while (p < seg.length) { t[seg[p] & 15] = seg.subarray(p + 1, p + 65).toString('hex'); p += 65; } }
  return t;
}
(async () => {
  const photo = image(PHOTO);
  const kinds = await mixedKinds();
  const medium = kinds[8][0]; // the 1920x1080 q85 input of kinds 2, 3 and 8
  // Known tables: libjpeg's at each quality (luma id 0, chroma id 1), and the inputs'.
  const known = {};
  for (let q = 50; q <= 100; q++) {
    const t = tables(await oracle(photo).resize(64).jpeg({ quality: q }).toBuffer());
    known[t[0]] = known[t[0]] || `libjpeg q${q} luma`; known[t[1]] = known[t[1]] || `libjpeg q${q} chroma`;
  }
  for (const [n, b] of [['photo', photo], ['medium', medium]]) { const t = tables(b); for (const id in t) known[t[id]] = known[t[id]] || `${n} table ${id}`; }
  const name = (hex) => known[hex] || `unknown ${hex.slice(0, 24)}`;
  process.env.GPU_RESIZE_BACKEND = 'gpu';
  const lone = [];
  for (const [input, build] of kinds) lone.push(await build(sharp(input)).toBuffer({ resolveWithObject: true }));
  for (const k of [1, 8]) { const t = tables(lone[k].data); console.log(`lone kind ${k}: gpuEncoded ${lone[k].info.gpuEncoded}, tables ${name(t[0])} / ${name(t[1])}`); }
  Object.assign(process.env, { GPU_RESIZE_DECODE_QUEUE: '1000', GPU_RESIZE_GPU_ENCODE_SMALL: '1000' });
  const rounds = Number(process.env.ROUNDS || 3);
  const order = Array.from({ length: 1000 }, (_, i) => (i * 7919) % kinds.length);
  for (let r = 0; r < rounds; r++) {
    const t0 = Date.now();
    const results = await Promise.all(order.map((k) => kinds[k][1](sharp(kinds[k][0])).toBuffer({ resolveWithObject: true })));
    let bad = 0; let enc = 0;
    for (const [i, res] of results.entries()) {
      const k = order[i]; if (k !== 1 && k !== 8) continue;
      if (res.info.gpuEncoded) enc++;
      if (res.data.equals(lone[k].data)) continue;
      const a = parts(res.data); const e = parts(lone[k].data);
      const same = (x, y) => x.length === y.length && x.every((s, j) => s.equals(y[j]));
      const t = tables(res.data);
      bad++;
      if (process.env.SAVE && bad === 1 && r === 0) {
        require('fs').writeFileSync(process.env.SAVE + '-bad.jpg', res.data);
        require('fs').writeFileSync(process.env.SAVE + '-lone.jpg', lone[k].data);
      }
      const [ra, rb] = [await oracle(res.data).raw().toBuffer(), await oracle(lone[k].data).raw().toBuffer()];
      let sq = 0; for (let x = 0; x < ra.length; x++) sq += (ra[x] - rb[x]) ** 2;
      const psnr = 10 * Math.log10(255 * 255 * ra.length / sq);
      console.log(`  round ${r} request ${i} kind ${k} gpuEncoded ${res.info.gpuEncoded}: dqt ${same(a.dqt, e.dqt) ? 'same' : 'DIFFERS'} ` +
        `dht ${same(a.dht, e.dht) ? 'same' : 'DIFFERS'} sof ${a.sof.equals(e.sof) ? 'same' : 'DIFFERS'} scan ${a.scan.equals(e.scan) ? 'same' : 'DIFFERS'} ` +
        `(${res.data.length} vs ${lone[k].data.length} bytes, ${psnr.toFixed(2)} dB); tables ${name(t[0])} / ${name(t[1])}`);
    }
    console.log(`round ${r}: ${bad} of ${enc} GPU-encoded outputs differ from their lone runs (${Date.now() - t0} ms)`);
  }
  console.log(JSON.stringify(require('../../js/native').jpegBatches()));
})().catch((e) => { console.error(e); process.exit(1); });
