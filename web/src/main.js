// The dashboard's entry: the page for the address (#/discover?...), the API key prompt when the
// server asks for one, and the server's name in the header.
import { Discover } from './discover.js';
import { Overview } from './overview_page.js';
import { VisualizeList, VisualizeEditor } from './visualize_page.js';
import { DashboardList, Dashboard } from './dashboards_page.js';
import { AlertsPage } from './alerts_page.js';
import { HIDE_SAMPLES } from './overview.js';
import { decodeState, encodeState } from './state.js';
import { request, apiKey, setApiKey } from './api.js';

const pageRoot = document.getElementById('page');
const serverBox = document.getElementById('server');
let current = null;

// Each page: its class, the filters it starts with, and the parameters of its address that
// name what it shows (kept when the page writes its state there). `nav`: the menu entry it is
// under.
const PAGES = {
  '/overview': { Page: Overview, filters: [HIDE_SAMPLES] },
  '/discover': { Page: Discover, filters: [] },
  '/visualize': { Page: VisualizeList, filters: [] },
  '/visualize/edit': { Page: VisualizeEditor, filters: [], keep: ['id', 'kind'], nav: '/visualize' },
  '/dashboards': { Page: DashboardList, filters: [] },
  '/dashboard': { Page: Dashboard, filters: [], keep: ['id'], nav: '/dashboards' },
  '/alerts': { Page: AlertsPage, filters: [] },
};

function route() {
  const hash = location.hash.replace(/^#/, '') || '/overview';
  const [path, search = ''] = hash.split('?');
  current?.dispose();
  current = null;
  const page = PAGES[path];
  for (const a of document.querySelectorAll('nav a')) {
    const href = a.getAttribute('href');
    if (href === `#${path}` || href === `#${page?.nav}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!page) {
    pageRoot.replaceChildren(Object.assign(document.createElement('p'), { textContent: `There is no page ${path}.` }));
    return;
  }
  const params = new URLSearchParams(search);
  const kept = new URLSearchParams((page.keep ?? []).filter((k) => params.has(k)).map((k) => [k, params.get(k)]));
  pageRoot.dataset.state = 'loading';
  current = new page.Page(pageRoot, decodeState(search, page.filters), (state) => {
    const own = encodeState(state, page.filters);
    const next = `#${path}?${[kept.toString(), own].filter(Boolean).join('&')}`;
    if (location.hash !== next) history.pushState(null, '', next);
  }, params);
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
  pageRoot.before(form);
  form.querySelector('#apikey').focus();
}

document.addEventListener('vigil:unauthorized', (e) => askForKey(e.detail));
window.addEventListener('popstate', route);
window.addEventListener('hashchange', route);

request('GET', '/').then((info) => {
  serverBox.textContent = `${info?.name ?? 'vigil'} · ${info?.version?.vigil_version ?? ''}`;
}).catch(() => { serverBox.textContent = 'server unreachable'; });

route();
