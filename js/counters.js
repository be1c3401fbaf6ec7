// In-flight request counter behind sharp.counters() and the sharp.queue 'change' events.
'use strict';

const events = require('node:events');

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
    // libuv's thread pool does the queueing, so nothing waits in JS.
    return { queue: 0, process: processing };
  }
};
