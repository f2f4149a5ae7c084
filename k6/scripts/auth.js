// Auth: (1) register a new account and sign in with it, at a fixed arrival rate;
// (2) sign-in throughput: LOGIN_VUS loops signing seeded users in as fast as the server answers.
// Both cost argon2id hashes (register one, sign-in one), so bench.py compares them with the raw
// hash rate of the machine. SCENARIO=register|login picks one.

import http from 'k6/http';
import { Counter, Trend } from 'k6/metrics';
import { API, TREND_STATS, jsonHeaders, loadSeed, num, summaryTo } from './common.js';

const seed = loadSeed();
const SCENARIO = __ENV.SCENARIO || 'register';
const RATE = num('RATE', 10);
const DURATION_S = num('DURATION_S', 20);
const LOGIN_VUS = num('LOGIN_VUS', 8);
const RUN = __ENV.RUN_ID || `${Date.now().toString(36)}`;
const PASSWORD = seed.password;

const registerMs = new Trend('register_ms', true);
const loginMs = new Trend('login_ms', true);
const registered = new Counter('registered');
const signedIn = new Counter('signed_in');
const authErrors = new Counter('auth_errors');

const scenarios = {
  register: {
    executor: 'constant-arrival-rate',
    rate: RATE,
    timeUnit: '1s',
    duration: `${DURATION_S}s`,
    preAllocatedVUs: Math.max(4, RATE * 2),
    maxVUs: Math.max(20, RATE * 8),
    exec: 'registerAndLogin',
  },
  login: {
    executor: 'constant-vus',
    vus: LOGIN_VUS,
    duration: `${DURATION_S}s`,
    exec: 'loginLoop',
  },
};

export const options = {
  scenarios: { [SCENARIO]: scenarios[SCENARIO] },
  summaryTrendStats: TREND_STATS,
  discardResponseBodies: false,
};

function login(name) {
  const r = http.post(`${API}/auth/login`, JSON.stringify({ login: name, password: PASSWORD }), {
    headers: jsonHeaders(),
    tags: { name: 'login' },
  });
  if (r.status === 200) {
    signedIn.add(1);
    loginMs.add(r.timings.duration);
  } else {
    authErrors.add(1, { status: String(r.status), step: 'login' });
  }
}

export function registerAndLogin() {
  const name = `k${RUN}v${__VU}i${__ITER}`;
  const body = { username: name, email: `${name}@bench.invalid`, password: PASSWORD, display_name: name };
  const r = http.post(`${API}/auth/register`, JSON.stringify(body), { headers: jsonHeaders(), tags: { name: 'register' } });
  if (r.status !== 201) {
    authErrors.add(1, { status: String(r.status), step: 'register' });
    return;
  }
  registered.add(1);
  registerMs.add(r.timings.duration);
  login(name);
}

export function loginLoop() {
  const users = seed.users;
  login(users[(__VU * 7919 + __ITER) % users.length].username);
}

export function handleSummary(data) {
  return summaryTo(data);
}
