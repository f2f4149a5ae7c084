// Shared by the scenarios: the seed written by k6/bench.py, and the summary hand-off.
//
// bench.py seeds users and chats over the public API, writes them to a JSON file and passes its
// path as SEED; every scenario reads it once in the init context. Tokens never leave that file
// (it lives in a private temp folder and is deleted after the run).

export const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8080';
export const API = `${BASE}/api/v1`;
export const WS_URL = `${API.replace(/^http/, 'ws')}/ws`;

export function loadSeed() {
  return JSON.parse(open(__ENV.SEED));
}

export function num(name, fallback) {
  const raw = __ENV[name];
  return raw === undefined || raw === '' ? fallback : Number(raw);
}

export const TREND_STATS = ['avg', 'min', 'med', 'max', 'p(50)', 'p(90)', 'p(99)', 'count'];

// The runner reads this file; no text summary is printed (bench.py prints its own).
export function summaryTo(data) {
  const out = {};
  out[__ENV.SUMMARY] = JSON.stringify(data);
  return out;
}

export function jsonHeaders(token) {
  const h = { 'Content-Type': 'application/json' };
  if (token) h.Authorization = `Bearer ${token}`;
  return h;
}

let counter = 0;
export function clientMsgId() {
  counter += 1;
  return `k6-${__VU}-${counter}-${Date.now().toString(36)}`;
}
