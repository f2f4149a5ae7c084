// HTTP messaging: send at a fixed arrival rate (POST /chats/{id}/messages) and page history
// (GET the latest page, then the page before it) at its own rate. Each iteration acts as one of
// the seeded users, round robin, in that user's chat.

import http from 'k6/http';
import { Counter, Trend } from 'k6/metrics';
import { API, TREND_STATS, jsonHeaders, loadSeed, num, summaryTo, clientMsgId } from './common.js';

const seed = loadSeed();
const RATE = num('RATE', 100);
const HISTORY_RATE = num('HISTORY_RATE', 20);
const DURATION_S = num('DURATION_S', 20);
const PAGE = num('PAGE', 50);

const sendMs = new Trend('send_ms', true);
const historyMs = new Trend('history_ms', true);
const sentOk = new Counter('sent_ok');
const pages = new Counter('pages');
const httpErrors = new Counter('http_errors');

export const options = {
  scenarios: {
    send: {
      executor: 'constant-arrival-rate', rate: RATE, timeUnit: '1s', duration: `${DURATION_S}s`,
      preAllocatedVUs: Math.max(8, Math.ceil(RATE / 10)), maxVUs: Math.max(64, RATE), exec: 'send',
    },
    history: {
      executor: 'constant-arrival-rate', rate: HISTORY_RATE, timeUnit: '1s', duration: `${DURATION_S}s`,
      preAllocatedVUs: 4, maxVUs: 32, exec: 'history',
    },
  },
  summaryTrendStats: TREND_STATS,
};

function pick() {
  const user = seed.users[(__VU * 31 + __ITER) % seed.users.length];
  return { user, chat: seed.chats[user.chat] };
}

export function send() {
  const { user, chat } = pick();
  const body = { client_msg_id: clientMsgId(), text: `bench|${Date.now()}|${__VU}|${__ITER}` };
  const r = http.post(`${API}/chats/${chat.id}/messages`, JSON.stringify(body), {
    headers: jsonHeaders(user.token), tags: { name: 'send' },
  });
  if (r.status === 201) {
    sentOk.add(1);
    sendMs.add(r.timings.duration);
  } else {
    httpErrors.add(1, { status: String(r.status), step: 'send' });
  }
}

export function history() {
  const { user, chat } = pick();
  const params = { headers: jsonHeaders(user.token), tags: { name: 'history' } };
  const r = http.get(`${API}/chats/${chat.id}/messages?limit=${PAGE}`, params);
  if (r.status !== 200) {
    httpErrors.add(1, { status: String(r.status), step: 'history' });
    return;
  }
  pages.add(1);
  historyMs.add(r.timings.duration);
  const msgs = r.json('messages');
  if (msgs && msgs.length > 0 && msgs[0].seq > 1) {
    const r2 = http.get(`${API}/chats/${chat.id}/messages?limit=${PAGE}&before=${msgs[0].seq}`, params);
    if (r2.status === 200) {
      pages.add(1);
      historyMs.add(r2.timings.duration);
    } else {
      httpErrors.add(1, { status: String(r2.status), step: 'history' });
    }
  }
}

export function handleSummary(data) {
  return summaryTo(data);
}
