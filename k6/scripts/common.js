// Shared by the scenarios: the seed written by k6/bench.py, and the summary hand-off.
//
// bench.py seeds users and chats over the public API, writes them to a JSON file and passes its
// path as SEED; every scenario reads it once in the init context. Tokens never leave that file
// (it lives in a private temp folder and is deleted after the run).

import { SharedArray } from 'k6/data';

export const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8080';
export const API = `${BASE}/api/v1`;
export const WS_URL = `${API.replace(/^http/, 'ws')}/ws`;

// Read-only arrays shared by every VU (k6/data SharedArray): the file is read and parsed once, and
// a VU deserialises only the elements it touches. A plain JSON.parse per VU held the whole seed
// once per VU: with 2,000 VUs in the big room that is 2,000 copies (about 10 GB) and minutes of
// VU start-up, past the scenario's timeline.
export function loadSeed() {
  const read = () => JSON.parse(open(__ENV.SEED));
  const users = new SharedArray('seed users', () => read().users);
  const chats = new SharedArray('seed chats', () =>
    read().chats.map((c) => ({ id: c.id, size: c.members.length })),
  );
  const password = new SharedArray('seed password', () => [read().password])[0];
  return { users, chats, password };
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
