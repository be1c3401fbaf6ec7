// Image quality figures for the benchmark: PSNR over all channels and SSIM on luma, of one
// decoded image against a reference decoded the same way (both raw, same width/height/channels).
'use strict';

// PSNR in dB over every sample (all channels); Infinity when identical. With alpha (2 or 4
// channels) the colour is compared premultiplied, i.e. as it is seen: colour under near-zero
// alpha is invisible and unpremultiplying amplifies 8-bit rounding by 255 / alpha.
function psnr(a, b, channels = 0) {
  if (a.length !== b.length) throw new Error(`psnr: length mismatch ${a.length} vs ${b.length}`);
  let se = 0;
  if (channels === 2 || channels === 4) {
    for (let i = 0; i < a.length; i += channels) {
      const aa = a[i + channels - 1];
      const ba = b[i + channels - 1];
      for (let c = 0; c < channels - 1; c++) {
        const d = (a[i + c] * aa - b[i + c] * ba) / 255;
        se += d * d;
      }
      se += (aa - ba) * (aa - ba);
    }
  } else {
    for (let i = 0; i < a.length; i++) {
      const d = a[i] - b[i];
      se += d * d;
    }
  }
  if (se === 0) return Infinity;
  const mse = se / a.length;
  return 10 * Math.log10((255 * 255) / mse);
}

// Rec. 601 luma as floats (alpha, if any, is ignored; 1-2 channel images are grey already).
function luma(data, width, height, channels) {
  const n = width * height;
  const y = new Float64Array(n);
  if (channels >= 3) {
    for (let i = 0, p = 0; i < n; i++, p += channels) {
      y[i] = 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
    }
  } else {
    for (let i = 0, p = 0; i < n; i++, p += channels) y[i] = data[p];
  }
  return y;
}

// Mean SSIM on luma over non-overlapping 8x8 windows (Wang et al. 2004 constants, L = 255).
// Images smaller than a window are compared as one window.
function ssim(a, b, width, height, channels) {
  const ya = luma(a, width, height, channels);
  const yb = luma(b, width, height, channels);
  const C1 = (0.01 * 255) ** 2;
  const C2 = (0.03 * 255) ** 2;
  const win = 8;
  const wx = Math.max(1, Math.floor(width / win));
  const wy = Math.max(1, Math.floor(height / win));
  const bw = Math.min(win, width);
  const bh = Math.min(win, height);
  let total = 0;
  for (let by = 0; by < wy; by++) {
    for (let bx = 0; bx < wx; bx++) {
      let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
      for (let y = by * bh; y < by * bh + bh; y++) {
        const row = y * width;
        for (let x = bx * bw; x < bx * bw + bw; x++) {
          const va = ya[row + x];
          const vb = yb[row + x];
          sa += va; sb += vb; saa += va * va; sbb += vb * vb; sab += va * vb;
        }
      }
      const n = bw * bh;
      const ma = sa / n, mb = sb / n;
      const va = saa / n - ma * ma;
      const vb = sbb / n - mb * mb;
      const cov = sab / n - ma * mb;
      total += ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
    }
  }
  return total / (wx * wy);
}

// Decodes both encoded (or raw) outputs with sharp and compares them. rawInfo: {width, height,
// channels} when the outputs are raw pixels. Returns {psnr, ssim} or {error}.
async function compare(sharp, ours, reference, rawInfo) {
  const decode = (buf) => {
    const s = rawInfo ? sharp(buf, { raw: rawInfo }) : sharp(buf);
    return s.raw().toBuffer({ resolveWithObject: true });
  };
  const [a, b] = await Promise.all([decode(ours), decode(reference)]);
  const ia = a.info, ib = b.info;
  if (ia.width !== ib.width || ia.height !== ib.height || ia.channels !== ib.channels) {
    return {
      psnr: null,
      ssim: null,
      error: `shape differs: ${ia.width}x${ia.height}x${ia.channels} vs ${ib.width}x${ib.height}x${ib.channels}`
    };
  }
  return {
    psnr: psnr(a.data, b.data, ia.channels),
    ssim: ssim(a.data, b.data, ia.width, ia.height, ia.channels)
  };
}

module.exports = { psnr, ssim, luma, compare };
