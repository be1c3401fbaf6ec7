// In-flight request counter behind sharp.counters() and the sharp.queue 'change' events.
'use strict';

const events = require('node:events');
const native = require('./native');

const queue = new events.EventEmitter();
let processing = 0;

module.exports = {
  queue,
  start () {
    processing++;
  },
  end () {
    processing--;
  },
  counters () {
    // The addon's request pool does the queueing: queue is what waits there for a thread.
    const pool = native.pool();
    const queued = pool ? Math.min(pool.queued, processing) : 0;
    return { queue: queued, process: processing - queued };
  }
};
