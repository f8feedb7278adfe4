// The dashboard's entry: the page for the address (#/discover?...), the API key prompt when the
// server asks for one, and the server's name in the header.
import { Discover } from './discover.js';
import { decodeState, encodeState } from './state.js';
import { request, apiKey, setApiKey } from './api.js';

const page = document.getElementById('page');
const serverBox = document.getElementById('server');
let current = null;

function route() {
  const hash = location.hash.replace(/^#/, '') || '/discover';
  const [path, search = ''] = hash.split('?');
  current?.dispose();
  current = null;
  if (path === '/discover') {
    current = new Discover(page, decodeState(search), (state) => {
      const next = `#/discover?${encodeState(state)}`;
      if (location.hash !== next) history.pushState(null, '', next);
    });
  } else {
    page.replaceChildren(Object.assign(document.createElement('p'), { textContent: `There is no page ${path}.` }));
  }
}

// The key prompt: shown when the server says a key is needed or refused.
function askForKey(reason) {
  if (document.getElementById('keyform')) return;
  const form = document.createElement('form');
  form.id = 'keyform';
  form.className = 'keyform';
  form.innerHTML = '<label for="apikey">This server needs an API key with the read role.</label> '
    + '<input id="apikey" type="password" autocomplete="off"> <button type="submit">Use key</button> <span class="why"></span>';
  form.querySelector('.why').textContent = apiKey() ? `(${reason})` : '';
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    setApiKey(form.querySelector('#apikey').value.trim());
    form.remove();
    route();
  });
  page.before(form);
  form.querySelector('#apikey').focus();
}

document.addEventListener('vigil:unauthorized', (e) => askForKey(e.detail));
window.addEventListener('popstate', route);
window.addEventListener('hashchange', route);

request('GET', '/').then((info) => {
  serverBox.textContent = `${info?.name ?? 'vigil'} · ${info?.version?.vigil_version ?? ''}`;
}).catch(() => { serverBox.textContent = 'server unreachable'; });

route();
