// Real time: every seeded user holds one WebSocket and receives; senders send over their socket.
//
// Timeline (absolute, from setup()'s clock, the same for every VU of this k6 process):
//   0 .. CONNECT_S            sockets connect, authenticate and wait for `ready`
//   CONNECT_S .. +WARMUP_S    sending starts, nothing is counted
//   .. +DURATION_S            the measured window: sends acked and deliveries received count
//   .. +DRAIN_S               sending has stopped; late deliveries of the window still count
// The message text carries the sender's clock (`bench|<epoch ms>|<vu>|<n>`), so every receiver,
// the sender's own socket included (the hub pushes a message to every connected member), measures
// end-to-end delivery latency. `expected` adds the chat's member count for every acked send of the
// window; `delivered` counts window messages received, once per (socket, chat, seq).
// SAMPLE=N records the latency of one delivery in N (every one is still checked and counted),
// and `message.created` frames are read by position, not JSON.parse: 2,000 receivers each
// parsing and recording every frame cost k6 more CPU than the server spent sending them.
//
// MODE=rate: RATE messages/s in total, spread evenly over SENDERS sockets (each on a timer).
// MODE=max:  CONCURRENCY senders, each sending its next message as soon as the last one is acked.
//
// Several k6 processes may share one run (the big room: one k6 process cannot keep up with 2,000
// receiving sockets): each runs the VU_COUNT users from VU_OFFSET, and T0 (epoch ms, chosen by
// the runner) is the timeline's zero for all of them, so their windows are the same.
//
// PER_VU=N: one VU holds the sockets of N consecutive users on its one event loop (k6's
// experimental websockets allow many per VU), so 2,000 receivers cost 2,000/N JS runtimes and
// event loops instead of 2,000; each socket keeps its own checks and counts.

import { WebSocket } from 'k6/experimental/websockets';
import { setInterval, clearInterval, setTimeout } from 'k6/timers';
import { Counter, Trend } from 'k6/metrics';
import { WS_URL, TREND_STATS, loadSeed, num, summaryTo, clientMsgId } from './common.js';

const seed = loadSeed();
const USERS = seed.users.length;
const MODE = __ENV.MODE || 'rate';
const RATE = num('RATE', 100);
const SENDERS = Math.min(num('SENDERS', USERS), USERS);
const VU_OFFSET = num('VU_OFFSET', 0);
const VU_COUNT = num('VU_COUNT', USERS - VU_OFFSET);
const CONCURRENCY = num('CONCURRENCY', 16);
const CONNECT_S = num('CONNECT_S', 5);
const WARMUP_S = num('WARMUP_S', 5);
const DURATION_S = num('DURATION_S', 30);
const DRAIN_S = num('DRAIN_S', 5);
const SAMPLE = Math.max(1, num('SAMPLE', 1)); // latency of one delivery in SAMPLE is recorded
const PER_VU = Math.max(1, num('PER_VU', 1)); // users (sockets) one VU holds
const CREATED = '{"type":"message.created","chat_id":"';
const BENCH_TEXT = '"text":"bench|';

const delivery = new Trend('delivery_ms', true);
const ack = new Trend('ack_ms', true);
const delivered = new Counter('delivered');
const expected = new Counter('expected');
const sent = new Counter('sent');
const sentWindow = new Counter('sent_window');
const acked = new Counter('acked');
const sendErrors = new Counter('send_errors');
const duplicates = new Counter('duplicates');
const outOfOrder = new Counter('out_of_order');
const wsErrors = new Counter('ws_errors');
const connected = new Counter('ws_ready');
const closedEarly = new Counter('ws_closed_early');

export const options = {
  scenarios: {
    realtime: {
      executor: 'per-vu-iterations',
      vus: Math.ceil(VU_COUNT / PER_VU),
      iterations: 1,
      maxDuration: `${CONNECT_S + WARMUP_S + DURATION_S + DRAIN_S + 60}s`,
    },
  },
  summaryTrendStats: TREND_STATS,
  setupTimeout: '30s',
};

export function setup() {
  return { t0: __ENV.T0 ? Number(__ENV.T0) : Date.now() };
}

// How many concurrent sending loops this VU runs in max mode (CONCURRENCY spread over the users).
function slotsFor(index) {
  return Math.floor(CONCURRENCY / USERS) + (index < CONCURRENCY % USERS ? 1 : 0);
}

export default function (data) {
  const first = (__VU - 1) * PER_VU;
  for (let i = first; i < Math.min(first + PER_VU, VU_COUNT); i += 1) user(data, VU_OFFSET + i);
}

// One seeded user's socket for the whole timeline (its callbacks run on this VU's event loop).
function user(data, index) {
  const me = seed.users[index];
  const chat = seed.chats[me.chat];
  const members = chat.size;
  const sendAt = data.t0 + CONNECT_S * 1000;
  const windowStart = sendAt + WARMUP_S * 1000;
  const windowEnd = windowStart + DURATION_S * 1000;
  const closeAt = windowEnd + DRAIN_S * 1000;

  const ws = new WebSocket(WS_URL);
  const pending = {}; // client_msg_id -> send time (ms)
  const holes = {}; // chat_id -> Set of seqs skipped (received out of order if at all)
  let counted = 0; // window deliveries not yet added to `delivered`
  const lastSeq = {}; // chat_id -> highest seq seen
  // This socket's own chat as it opens a `message.created` frame: its frames are matched in
  // place, with no chat id string cut out of each one.
  const ownPrefix = `${CREATED}${chat.id}","seq":`;
  let n = 0;
  let ready = false;
  let done = false;
  let ticker = null;

  function sendOne() {
    const now = Date.now();
    if (done || now >= windowEnd) return false;
    n += 1;
    const cid = clientMsgId();
    pending[cid] = now;
    ws.send(JSON.stringify({ type: 'message.send', chat_id: chat.id, client_msg_id: cid, text: `bench|${now}|${index}|${n}` }));
    sent.add(1);
    if (now >= windowStart) sentWindow.add(1);
    return true;
  }

  function startSending() {
    if (MODE === 'max') {
      for (let s = 0; s < slotsFor(index); s += 1) sendOne();
      return;
    }
    if (index >= SENDERS || RATE <= 0) return;
    const intervalMs = (1000 * SENDERS) / RATE;
    // Spread the senders' phases so the total rate is even, not a burst every interval.
    setTimeout(() => {
      sendOne();
      ticker = setInterval(() => {
        if (!sendOne() && ticker !== null) {
          clearInterval(ticker);
          ticker = null;
        }
      }, intervalMs);
    }, (index * intervalMs) / SENDERS);
  }

  function onAck(f) {
    const t = pending[f.client_msg_id];
    if (t === undefined) return;
    delete pending[f.client_msg_id];
    const now = Date.now();
    if (t >= windowStart && t < windowEnd) {
      acked.add(1);
      ack.add(now - t);
      expected.add(members);
    }
    if (MODE === 'max') sendOne();
  }

  function onError(f) {
    if (f.client_msg_id === undefined || pending[f.client_msg_id] === undefined) {
      wsErrors.add(1, { code: String(f.code) });
      // The runner counts these lines by code (the summary keeps no per-code breakdown).
      console.warn(`bench-error ws ${f.code}`);
      return;
    }
    const t = pending[f.client_msg_id];
    delete pending[f.client_msg_id];
    if (t >= windowStart && t < windowEnd) {
      sendErrors.add(1, { code: String(f.code) });
      console.warn(`bench-error send ${f.code}`);
    }
    if (MODE === 'max') setTimeout(sendOne, 10);
  }

  // One received message (chat, seq, the sender's clock): order, window and repeats checked for
  // every one; its latency recorded for one in SAMPLE (spread over sockets and messages). A
  // chat's frames must come in strictly increasing seq, so a new one is simply above the last:
  // only the seqs skipped on the way (`holes`, empty while the server keeps its promise) are
  // remembered, and a seq at or below the last that was no hole is a repeat. No set of every
  // seq seen per socket: 2,000 receivers adding each frame to one cost k6 time and memory.
  function onMessage(chatId, seq, t) {
    const inWindow = t >= windowStart && t < windowEnd;
    const prev = lastSeq[chatId];
    if (prev === undefined || seq > prev) {
      if (prev !== undefined && seq > prev + 1) {
        let h = holes[chatId];
        if (h === undefined) h = holes[chatId] = new Set();
        for (let s = prev + 1; s < seq && h.size < 10000; s += 1) h.add(s);
      }
      lastSeq[chatId] = seq;
    } else {
      outOfOrder.add(1);
      const h = holes[chatId];
      if (h === undefined || !h.delete(seq)) {
        if (inWindow) duplicates.add(1);
        return;
      }
    }
    if (!inWindow) return;
    counted += 1;
    if ((seq + index) % SAMPLE === 0) delivery.add(Date.now() - t);
  }

  // k6 turns every Counter.add into a metric sample: the window's deliveries go in once.
  function flushCounted() {
    if (counted > 0) delivered.add(counted);
    counted = 0;
  }

  // A `message.created` frame as the server writes it, read without JSON.parse (the receivers'
  // main cost in a big room); anything else, or another layout, takes JSON.parse.
  function readCreated(d) {
    let q;
    let chatId;
    if (d.startsWith(ownPrefix)) {
      q = ownPrefix.length - 8;
      chatId = chat.id;
    } else {
      q = d.indexOf('"', CREATED.length);
      if (q < 0 || !d.startsWith(',"seq":', q + 1)) return false;
      chatId = d.slice(CREATED.length, q);
    }
    const end = d.indexOf(',', q + 8);
    const seq = Number(d.slice(q + 8, end));
    const b = d.indexOf(BENCH_TEXT, end);
    if (!(seq > 0) || b < 0) return false;
    const from = b + BENCH_TEXT.length;
    onMessage(chatId, seq, Number(d.slice(from, d.indexOf('|', from))));
    return true;
  }

  function onCreated(f) {
    const msg = f.message;
    if (!msg || typeof msg.text !== 'string' || !msg.text.startsWith('bench|')) return;
    onMessage(f.chat_id, f.seq, Number(msg.text.split('|')[1]));
  }

  ws.onopen = () => {
    ws.send(JSON.stringify({ type: 'auth', token: me.token }));
  };
  ws.onmessage = (event) => {
    const d = event.data;
    if (d.startsWith(CREATED) && readCreated(d)) return;
    const f = JSON.parse(d);
    switch (f.type) {
      case 'message.created':
        onCreated(f);
        break;
      case 'message.ack':
        onAck(f);
        break;
      case 'error':
        onError(f);
        break;
      case 'ready':
        ready = true;
        connected.add(1);
        setTimeout(startSending, Math.max(0, sendAt - Date.now()));
        break;
      default:
        break;
    }
  };
  ws.onerror = (e) => {
    wsErrors.add(1, { code: 'socket' });
    console.warn(`bench-error socket ${e && e.error ? String(e.error).slice(0, 60) : 'error'}`);
  };
  ws.onclose = () => {
    if (!done) closedEarly.add(1, { ready: String(ready) });
    flushCounted();
    done = true;
    if (ticker !== null) clearInterval(ticker);
  };
  setTimeout(() => {
    done = true;
    flushCounted();
    if (ticker !== null) clearInterval(ticker);
    ws.close();
  }, Math.max(0, closeAt - Date.now()));
}

export function handleSummary(data) {
  return summaryTo(data);
}
