// ESM entry: `import sharp from 'gpu-resize'` gives the same function as require('gpu-resize').
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const sharp = require('./index.js');

export default sharp;
