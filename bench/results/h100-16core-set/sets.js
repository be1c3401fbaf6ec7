// Concurrent toBuffers sets and single requests on the GPU (for compute-sanitizer).
'use strict';
const fs = require('node:fs');
const gr = require('../../..');
const input = fs.readFileSync('/work/shared/images/2569067123_aca715a2ee_o.jpg');
const outputs = [1600, 800, 400, 200].map((width) => ({ width, format: 'jpeg' }))
  .concat([{ width: 300, height: 300, fit: 'fill', kernel: 'mitchell', format: 'raw' }, { width: 500, format: 'png' }]);
(async () => {
  process.env.GPU_RESIZE_BACKEND = 'gpu';
  const n = Number(process.argv[2] || 6);
  const all = await Promise.all(Array.from({ length: n }, (_, i) => i % 2
    ? gr(input).resize(720).jpeg().toBuffer({ resolveWithObject: true })
    : gr(input).toBuffers(outputs)));
  const backends = {};
  for (const r of all.flat()) backends[r.info.backend] = (backends[r.info.backend] || 0) + 1;
  console.log('backends', JSON.stringify(backends), 'batches', JSON.stringify(require('../../../js/native').jpegBatches()));
})().catch((e) => { console.error(e); process.exit(1); });
