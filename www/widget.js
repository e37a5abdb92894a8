// The support page's script: mount the vidreply recorder into #recorder and list what it
// reports. A real site would get the capture token from its own backend (which calls
// POST /api/v1/capture-links with the API key); this example takes everything from its
// query string so it can be pointed at any server:
//   widget.html?endpoint=https://video.example.com&token=…&conversationId=…&lang=de&theme=dark
// also mode=agent, countdown=N (seconds before recording) and maxDuration=N (seconds).
// The import is relative, so the page works served by the vidreply server (/www/) and
// from any other origin that serves www/ beside pkg/.
import init, { mount } from '../pkg/vidreply.js';

const EVENTS = ['recordingstart', 'recordingstop', 'uploadprogress', 'sent', 'error'];
const query = new URLSearchParams(location.search);
const recorder = document.getElementById('recorder');
const list = document.getElementById('events');

function report(name, detail) {
  const json = JSON.stringify(detail);
  const item = document.createElement('li');
  item.dataset.event = name;
  item.dataset.detail = json;
  const code = document.createElement('code');
  code.textContent = name;
  item.append(code, ' ', json);
  list.append(item);
}

for (const name of EVENTS) {
  recorder.addEventListener(name, (e) => report(name, e.detail));
}
recorder.addEventListener('sent', () => {
  document.title = 'Example Support · Thank you';
});

const options = {};
for (const key of ['endpoint', 'token', 'conversationId', 'lang', 'theme', 'mode']) {
  if (query.has(key)) options[key] = query.get(key);
}
if (query.has('countdown')) options.countdownSeconds = Number(query.get('countdown'));
if (query.has('maxDuration')) options.maxDurationSeconds = Number(query.get('maxDuration'));

try {
  await init();
  // The handle: window.vidreplyRecorder.unmount() removes the recorder and frees the camera.
  window.vidreplyRecorder = mount(recorder, options);
} catch (e) {
  const error = document.getElementById('mount-error');
  error.textContent = `The video recorder could not start: ${e?.message ?? e}`;
  error.hidden = false;
}
