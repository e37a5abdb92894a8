// The Genesys Cloud interaction-widget frame page: sign the agent in to Genesys Cloud
// (OAuth implicit grant), exchange that sign-in for a capture link of this conversation,
// and mount the recorder in agent mode. Served by the vidreply server, so the API is
// this page's own origin.
//
// Query (filled in by the interaction widget's URL template): gcConversationId (or
// conversationId), gcHostOrigin, gcTargetEnv, pcLangTag. Unfilled `{{…}}` count as absent.
//
// Server contract:
//   GET  /api/v1/agent/config?gcTargetEnv=…          → {clientId, authorizeUrl}
//   POST /api/v1/agent/capture-links                  Authorization: Bearer <Genesys token>
//        {conversationId, gcTargetEnv}                → 201 {token, expiresAt, …}
// Errors are {error: {code, message, field?}}.
import init, { mount } from '../pkg/vidreply.js';

const TOKEN_KEY = 'vidreply.genesys.token'; // {accessToken, expiresAt, env}
const PENDING_KEY = 'vidreply.genesys.signin'; // {state, context} while at the Genesys login
const status = document.getElementById('state');
const recorder = document.getElementById('recorder');

function show(kind, text, action) {
  status.hidden = false;
  status.dataset.kind = kind;
  status.replaceChildren(text);
  if (action) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = action.label;
    button.addEventListener('click', action.run, { once: true });
    status.append(document.createElement('br'), button);
  }
}

function param(query, name) {
  const v = query.get(name)?.trim();
  return !v || /^\{\{.*\}\}$/.test(v) ? null : v;
}

function readContext() {
  const q = new URLSearchParams(location.search);
  return {
    conversationId: param(q, 'conversationId') ?? param(q, 'gcConversationId') ?? param(q, 'pcConversationId'),
    gcHostOrigin: param(q, 'gcHostOrigin'),
    gcTargetEnv: param(q, 'gcTargetEnv'),
    pcLangTag: param(q, 'pcLangTag'),
  };
}

function readJson(storage, key) {
  try {
    return JSON.parse(storage.getItem(key) ?? 'null');
  } catch {
    return null;
  }
}

// Back from the Genesys login: take the answer out of the fragment (and out of the
// address bar and history), check its state, and keep the token for this tab.
function takeSignInAnswer() {
  const answer = new URLSearchParams(location.hash.slice(1));
  if (!answer.has('access_token') && !answer.has('error')) return null;
  history.replaceState(history.state, '', location.pathname + location.search);
  const pending = readJson(sessionStorage, PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (!pending || answer.get('state') !== pending.state) {
    return { error: 'The sign-in answer did not belong to this page.' };
  }
  if (answer.has('error')) {
    return { context: pending.context, error: answer.get('error_description') || answer.get('error') };
  }
  const seconds = Number(answer.get('expires_in'));
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify({
    accessToken: answer.get('access_token'),
    expiresAt: seconds > 0 ? Date.now() + seconds * 1000 : null,
    env: pending.context.gcTargetEnv,
  }));
  return { context: pending.context };
}

function storedToken(env) {
  const t = readJson(sessionStorage, TOKEN_KEY);
  if (!t || t.env !== env || (t.expiresAt && t.expiresAt < Date.now() + 60_000)) return null;
  return t.accessToken;
}

function signIn(config, context) {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const state = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ state, context }));
  const url = new URL(config.authorizeUrl);
  url.searchParams.set('response_type', 'token');
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('redirect_uri', location.href.split('#')[0]);
  url.searchParams.set('state', state);
  show('info', 'Signing you in to Genesys Cloud…');
  location.assign(url.href);
}

async function call(path, init) {
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    return { status: 0, body: null };
  }
  const body = await res.json().catch(() => null);
  return { status: res.status, body };
}

const said = (body) => (body?.error?.message ? ` (${body.error.message.replace(/\.$/, '')})` : '');

// The query wins; what was saved before the login fills in what the return address lacks.
let answer = null;
const context = {};

async function main() {
  const retry = { label: 'Try again', run: () => main().catch((e) => show('error', String(e?.message ?? e))) };

  if (!context.conversationId) {
    return show('error', 'There is no conversation here. Open the video tab from an interaction in Genesys Cloud.');
  }
  if (!context.gcTargetEnv) {
    return show('error', 'The frame address has no gcTargetEnv. Ask your Genesys Cloud admin to add gcTargetEnv={{gcTargetEnv}} to the interaction widget\'s URL.');
  }

  show('info', 'Connecting…');
  const env = context.gcTargetEnv;
  const config = await call(`/api/v1/agent/config?gcTargetEnv=${encodeURIComponent(env)}`);
  if (config.status !== 200) {
    if (config.status === 0) return show('error', 'The vidreply server cannot be reached.', retry);
    if ([404, 409, 501, 503].includes(config.status)) {
      return show('error', `Video answers are not set up for Genesys Cloud on this server: ask your admin to configure the Genesys OAuth client${said(config.body)}.`);
    }
    return show('error', `The video tab cannot start${said(config.body)}.`, retry);
  }
  const signInAgain = { label: 'Sign in again', run: () => signIn(config.body, context) };

  const token = storedToken(env);
  if (!token) {
    // Back from the login with a refusal: ask, rather than going round in circles.
    if (answer?.error) return show('error', `Genesys Cloud sign-in did not succeed: ${answer.error}`, signInAgain);
    return signIn(config.body, context);
  }

  show('info', 'Preparing the recorder…');
  const link = await call('/api/v1/agent/capture-links', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ conversationId: context.conversationId, gcTargetEnv: env }),
  });
  switch (link.status) {
    case 201:
      break;
    case 0:
      return show('error', 'The vidreply server cannot be reached.', retry);
    case 401:
      sessionStorage.removeItem(TOKEN_KEY);
      return show('error', 'Your Genesys Cloud sign-in has expired or was not accepted.', signInAgain);
    case 403:
      return show('error', `Genesys Cloud does not let you record for this conversation${said(link.body)}.`);
    case 502:
    case 503:
    case 504:
      return show('error', `vidreply could not check your sign-in with Genesys Cloud just now${said(link.body)}.`, retry);
    default:
      return show('error', `The recorder cannot start${said(link.body)}.`, retry);
  }

  try {
    await init();
    const options = { endpoint: location.origin, token: link.body.token, conversationId: context.conversationId, mode: 'agent' };
    if (context.pcLangTag) options.lang = context.pcLangTag;
    window.vidreplyRecorder = mount(recorder, options);
    status.hidden = true;
  } catch (e) {
    show('error', `The recorder cannot start: ${e?.message ?? e}`, retry);
  }
}

try {
  answer = takeSignInAnswer();
  Object.assign(context, answer?.context);
  for (const [k, v] of Object.entries(readContext())) if (v) context[k] = v;
  await main();
} catch (e) {
  // e.g. storage blocked for this frame by the browser's settings
  show('error', `The video tab cannot start: ${e?.message ?? e}`);
}
