// Alerts (#/alerts): the rules (create, edit, enable or disable, delete, and test one against the
// last days to see what it would match), the channels with their delivery state (pending,
// delivered, failures, the last error), and the newest alerts with where each was delivered and
// a link to its findings. Definitions from the server's configuration file are shown but cannot
// be changed here.
import { request, reportError } from './api.js';
import { el } from './dom.js';
import { formatTime, formatCount } from './format.js';
import {
  RULE_KINDS, CHANNEL_TYPES, QUERY_LANGUAGES, ruleFromForm, formFromRule, channelFromForm,
  formFromChannel, channelTarget, queryText, findingsHref, formatDuration,
} from './alert_forms.js';

const api = {
  rules: () => request('GET', '/api/alerts/rules').then((r) => r.rules),
  channels: () => request('GET', '/api/alerts/channels').then((r) => r.channels),
  history: () => request('GET', '/api/alerts/history?size=50'),
  put: (kind, name, body) => request('PUT', `/api/alerts/${kind}/${encodeURIComponent(name)}`, body),
  create: (kind, body) => request('POST', `/api/alerts/${kind}`, body),
  remove: (kind, name) => request('DELETE', `/api/alerts/${kind}/${encodeURIComponent(name)}`),
  preview: (rule, days) => request('POST', `/api/alerts/preview?days=${days}`, rule),
};

// A labelled input; `attrs.type` 'checkbox' gives a checkbox, 'select' a select of `options`,
// 'textarea' a text area.
function field(label, name, value, attrs = {}) {
  const id = `f-${name}`;
  let input;
  if (attrs.type === 'select') {
    input = el('select', { id, name }, attrs.options.map((o) => el('option', { value: o, selected: o === value }, o)));
  } else if (attrs.type === 'textarea') {
    input = el('textarea', { id, name, rows: attrs.rows ?? 3 });
    input.value = value ?? '';
  } else if (attrs.type === 'checkbox') {
    input = el('input', { id, name, type: 'checkbox', checked: Boolean(value) });
  } else {
    input = el('input', { id, name, type: attrs.type ?? 'text', placeholder: attrs.placeholder, autocomplete: 'off' });
    input.value = value ?? '';
  }
  return el('div', { class: `field field-${name}`, 'data-for': attrs.for }, el('label', { for: id }, label), input, attrs.hint ? el('small', {}, attrs.hint) : null);
}

// The values of a form's named inputs (checkboxes as booleans; `channels` as the checked names).
function values(form) {
  const out = { channels: [] };
  for (const input of form.querySelectorAll('[name]')) {
    if (input.name === 'channel') { if (input.checked) out.channels.push(input.value); continue; }
    out[input.name] = input.type === 'checkbox' ? input.checked : input.value;
  }
  return out;
}

// Shows only the fields of the selected kind or type (`data-for` lists them).
function showFor(form, selected) {
  for (const f of form.querySelectorAll('[data-for]')) f.hidden = !f.dataset.for.split(' ').includes(selected);
}

export class AlertsPage {
  constructor(root) {
    this.root = root;
    this.root.dataset.state = 'loading';
    this.status = el('p', { id: 'alerts-status', role: 'status', 'aria-live': 'polite' });
    this.editor = el('div', { id: 'alerts-editor' });
    this.rules = el('div', { id: 'alert-rules' });
    this.channels = el('div', { id: 'alert-channels' });
    this.history = el('div', { id: 'alert-history' });
    this.channelList = [];
    root.replaceChildren(el('h1', {}, 'Alerts'), this.status, this.editor,
      el('section', { 'aria-labelledby': 'h-rules' }, el('h2', { id: 'h-rules' }, 'Rules'),
        el('button', { type: 'button', id: 'new-rule', onclick: () => this.editRule(null) }, 'New rule'), this.rules),
      el('section', { 'aria-labelledby': 'h-channels' }, el('h2', { id: 'h-channels' }, 'Channels'),
        el('button', { type: 'button', id: 'new-channel', onclick: () => this.editChannel(null) }, 'New channel'), this.channels),
      el('section', { 'aria-labelledby': 'h-history' }, el('h2', { id: 'h-history' }, 'Recent alerts'),
        el('button', { type: 'button', id: 'refresh-history', onclick: () => this.load() }, 'Refresh'), this.history));
    this.load();
  }

  async load() {
    try {
      const [rules, channels, history] = await Promise.all([api.rules(), api.channels(), api.history()]);
      this.channelList = channels;
      this.renderRules(rules);
      this.renderChannels(channels);
      this.renderHistory(history);
      this.root.dataset.state = 'ready';
    } catch (e) {
      this.status.textContent = reportError(e);
      this.root.dataset.state = 'error';
    }
  }

  async act(what, fn) {
    try {
      await fn();
      this.status.textContent = what;
      await this.load();
    } catch (e) {
      this.status.textContent = `${what.replace(/\.$/, '')} failed: ${reportError(e)}`;
    }
  }

  renderRules(rules) {
    if (!rules.length) { this.rules.replaceChildren(el('p', {}, 'No rules yet.')); return; }
    this.rules.replaceChildren(el('table', { class: 'alerts' },
      el('thead', {}, el('tr', {}, ['Name', 'Kind', 'Query', 'Channels', 'Throttle', 'State', ''].map((h) => el('th', {}, h)))),
      el('tbody', {}, rules.map((r) => {
        const actions = r.configured ? el('td', {}, el('small', {}, 'from the configuration file')) : el('td', {},
          el('button', { type: 'button', class: 'edit', onclick: () => this.editRule(r) }, 'Edit'), ' ',
          el('button', {
            type: 'button', class: 'toggle',
            onclick: () => this.act(`Rule ${r.name} ${r.enabled ? 'disabled' : 'enabled'}.`, () => api.put('rules', r.name, { ...r, enabled: !r.enabled, configured: undefined })),
          }, r.enabled ? 'Disable' : 'Enable'), ' ',
          this.deleteButton('rules', r.name));
        return el('tr', { 'data-rule': r.name }, el('td', {}, r.name), el('td', {}, r.kind), el('td', { class: 'query' }, queryText(r)),
          el('td', {}, r.channels.join(', ')), el('td', {}, formatDuration(r.throttle) || '-'),
          el('td', { class: 'state' }, r.enabled ? 'enabled' : 'disabled'), actions);
      }))));
  }

  renderChannels(channels) {
    if (!channels.length) { this.channels.replaceChildren(el('p', {}, 'No channels yet: create one for the rules to notify.')); return; }
    this.channels.replaceChildren(el('table', { class: 'alerts' },
      el('thead', {}, el('tr', {}, ['Name', 'Type', 'Delivers to', 'Pending', 'Delivered', 'Failures', 'Last error', ''].map((h) => el('th', {}, h)))),
      el('tbody', {}, channels.map((c) => {
        const s = c.status ?? {};
        const actions = c.configured ? el('td', {}, el('small', {}, 'from the configuration file')) : el('td', {},
          el('button', { type: 'button', class: 'edit', onclick: () => this.editChannel(c) }, 'Edit'), ' ', this.deleteButton('channels', c.name));
        return el('tr', { 'data-channel': c.name, class: s.consecutive_failures ? 'failing' : '' },
          el('td', {}, c.name), el('td', {}, c.type), el('td', { class: 'target' }, channelTarget(c)),
          el('td', { class: 'pending' }, formatCount(s.pending ?? 0)), el('td', { class: 'delivered' }, formatCount(s.delivered ?? 0)),
          el('td', { class: 'failures' }, formatCount(s.failures ?? 0)),
          el('td', { class: 'last-error' }, s.last_error ? `${s.last_error} (${formatTime(s.last_error_at)})` : ''), actions);
      }))));
  }

  renderHistory(history) {
    if (!history.alerts.length) { this.history.replaceChildren(el('p', {}, 'No alerts yet.')); return; }
    this.history.replaceChildren(el('p', {}, `${formatCount(history.total)} ${history.total === 1 ? 'alert' : 'alerts'} in all; the newest:`), el('table', { class: 'alerts' },
      el('thead', {}, el('tr', {}, ['Time', 'Rule', 'Reason', 'Severity', 'Findings', 'Delivery'].map((h) => el('th', {}, h)))),
      el('tbody', {}, history.alerts.map((a) => el('tr', { 'data-alert': a.id },
        el('td', {}, formatTime(a.created_at)), el('td', {}, a.rule),
        el('td', {}, a.status === 'suppressed' ? `${a.reason} (held back by the throttle)` : a.reason),
        el('td', {}, `${a.severity_label} (${a.severity})`),
        el('td', {}, el('a', { href: findingsHref(a) }, `${formatCount(a.finding_ids.length)} finding${a.finding_ids.length === 1 ? '' : 's'}`)),
        el('td', { class: 'delivery' }, Object.entries(a.delivery ?? {}).map(([ch, d]) =>
          el('span', { class: `delivery-${d.status}`, title: d.error ?? '' }, `${ch}: ${d.status}${d.attempts > 1 ? ` after ${d.attempts} attempts` : ''} `))))))));
  }

  deleteButton(kind, name) {
    const b = el('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${name}` }, 'Delete');
    b.addEventListener('click', () => {
      if (b.dataset.confirm !== 'yes') { b.dataset.confirm = 'yes'; b.textContent = 'Really delete?'; return; }
      this.act(`${name} deleted.`, () => api.remove(kind, name));
    });
    return b;
  }

  editRule(rule) {
    const f = rule ? formFromRule(rule) : formFromRule({ kind: 'finding', query: { kql: 'severity >= 7' }, channels: [] });
    const error = el('p', { class: 'error', role: 'alert', id: 'rule-error' });
    const preview = el('div', { id: 'rule-preview', role: 'status' });
    const days = el('input', { id: 'preview-days', type: 'number', min: 1, max: 90, value: 7, 'aria-label': 'Days to test over' });
    const form = el('form', { id: 'rule-form', class: 'alert-form' },
      el('h2', {}, rule ? `Edit rule ${rule.name}` : 'New rule'),
      field('Name', 'name', f.name, { placeholder: 'high-severity' }),
      field('Kind', 'kind', f.kind, { type: 'select', options: RULE_KINDS }),
      field('Query language', 'language', f.language, { type: 'select', options: QUERY_LANGUAGES }),
      field('Query', 'query', f.query, { type: 'textarea', rows: 2 }),
      el('fieldset', {}, el('legend', {}, 'Channels'), this.channelList.length ? this.channelList.map((c) => el('label', { class: 'check' },
        el('input', { type: 'checkbox', name: 'channel', value: c.name, checked: f.channels.includes(c.name) }), ` ${c.name} (${c.type})`))
        : el('p', {}, 'Create a channel first.')),
      field('Enabled', 'enabled', f.enabled, { type: 'checkbox' }),
      field('Include sample findings', 'include_samples', f.include_samples, { type: 'checkbox' }),
      field('Throttle', 'throttle', f.throttle, { placeholder: '5m', hint: 'At most one notification per group in this time; the rest in a digest.' }),
      field('Group by', 'group_by', f.group_by, { placeholder: 'accountId' }),
      field('Alert again when severity rises', 'realert_on_severity_rise', f.realert_on_severity_rise, { type: 'checkbox', for: 'finding' }),
      field('Alert again when service.count grew by', 'count_increase', f.count_increase, { type: 'number', for: 'finding' }),
      field('Window', 'window', f.window, { placeholder: '5m', for: 'threshold' }),
      field('More than (findings)', 'threshold', f.threshold, { type: 'number', for: 'threshold' }),
      field('Count distinct values of', 'cardinality_field', f.cardinality_field, { for: 'threshold' }),
      field('Field', 'field', f.field, { placeholder: 'type', for: 'first_seen' }),
      field('Look-back', 'lookback', f.lookback, { placeholder: '7d', for: 'first_seen' }),
      field('Time field', 'time_field', f.time_field, { placeholder: 'updatedAt', for: 'threshold first_seen' }),
      el('div', { class: 'toolbar' },
        el('button', { type: 'submit', id: 'rule-save' }, 'Save rule'),
        el('button', { type: 'button', id: 'rule-test', onclick: () => this.test(form, days, preview, error) }, 'Test'), ' over the last ', days, ' days ',
        el('button', { type: 'button', onclick: () => this.editor.replaceChildren() }, 'Cancel')),
      error, preview);
    if (rule) form.querySelector('[name=name]').readOnly = true;
    const kind = form.querySelector('[name=kind]');
    kind.addEventListener('change', () => showFor(form, kind.value));
    showFor(form, f.kind);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        const body = ruleFromForm(values(form));
        if (rule) await api.put('rules', rule.name, body); else await api.create('rules', body);
        this.editor.replaceChildren();
        this.status.textContent = `Rule ${body.name} saved.`;
        await this.load();
      } catch (err) { error.textContent = reportError(err); }
    });
    this.editor.replaceChildren(form);
    form.querySelector('[name=name]').focus();
  }

  async test(form, days, preview, error) {
    error.textContent = '';
    try {
      const rule = ruleFromForm(values(form));
      rule.name ||= 'preview';
      if (!rule.channels.length) rule.channels = ['preview'];
      const p = await api.preview(rule, Number(days.value) || 7);
      const rows = (p.findings ?? []).map((x) => el('li', {}, `${formatTime(x.updatedAt)} · ${x.severityLabel} ${x.type} · ${x.accountId} · ${x.id}`));
      const w = p.would_send;
      const sent = (w?.alerts_listed ?? []).map((a) => el('li', {}, `${formatTime(a.at)} · ${a.group ? `${a.group} · ` : ''}${a.reason} · ${formatCount(a.count)} finding${a.count === 1 ? '' : 's'} (${a.finding_ids.join(', ')}${a.count > a.finding_ids.length ? ', ...' : ''})`));
      // (replaceChildren would write a null as the text "null")
      preview.replaceChildren(...[el('p', { class: 'preview-total' }, `${formatCount(p.matches)} matching findings from ${formatTime(p.from)} to ${formatTime(p.to)}.`),
        w ? el('p', { class: 'preview-send' }, `Would have sent ${formatCount(w.alerts)} ${w.alerts === 1 ? 'alert' : 'alerts'} (${formatCount(w.notifications)} notifications)`
          + `${w.held_back ? `, ${formatCount(w.held_back)} held back by the throttle` : ''}${w.replayed < p.matches ? `, replaying the newest ${formatCount(w.replayed)} matches` : ''}.`) : null,
        sent.length ? el('details', {}, el('summary', {}, 'What it would have sent'), el('ol', {}, sent)) : null,
        p.groups ? el('p', {}, `Groups over the threshold now: ${p.groups.filter((g) => g.over_threshold).map((g) => `${g.group || '(all)'} (${g.value})`).join(', ') || 'none'}.`) : null,
        rows.length ? el('details', {}, el('summary', {}, 'The newest matching findings'), el('ul', {}, rows)) : null].filter(Boolean));
    } catch (err) { error.textContent = reportError(err); }
  }

  editChannel(channel) {
    const f = formFromChannel(channel ?? { type: 'webhook' });
    const error = el('p', { class: 'error', role: 'alert', id: 'channel-error' });
    const form = el('form', { id: 'channel-form', class: 'alert-form' },
      el('h2', {}, channel ? `Edit channel ${channel.name}` : 'New channel'),
      field('Name', 'name', f.name, { placeholder: 'sec-webhook' }),
      field('Type', 'type', f.type, { type: 'select', options: CHANNEL_TYPES }),
      field('URL', 'url', f.url, { type: 'url', for: 'webhook slack teams', placeholder: 'https://' }),
      field('Signing secret', 'secret', f.secret, { type: 'password', for: 'webhook', hint: 'Signs each body: X-Vigil-Signature.' }),
      field('Headers', 'headers', f.headers, { type: 'textarea', for: 'webhook', hint: 'One "Name: value" per line.' }),
      field('SMTP server', 'smtp_url', f.smtp_url, { for: 'email', placeholder: 'smtp://mail.example.com:587' }),
      field('From', 'from', f.from, { for: 'email' }),
      field('To', 'to', f.to, { for: 'email', hint: 'Addresses separated by commas.' }),
      field('User name', 'username', f.username, { for: 'email' }),
      field('Password', 'password', f.password, { type: 'password', for: 'email' }),
      field('STARTTLS', 'starttls', f.starttls, { type: 'checkbox', for: 'email' }),
      field('Topic ARN', 'topic_arn', f.topic_arn, { for: 'sns', placeholder: 'arn:aws:sns:eu-west-1:123456789012:alerts' }),
      field('Endpoint', 'endpoint', f.endpoint, { for: 'sns', hint: 'Empty: https://sns.REGION.amazonaws.com/' }),
      field('Access key id', 'access_key_id', f.access_key_id, { for: 'sns', hint: 'Empty: the server\'s AWS_ACCESS_KEY_ID.' }),
      field('Secret access key', 'secret_access_key', f.secret_access_key, { type: 'password', for: 'sns' }),
      field('Session token', 'session_token', f.session_token, { type: 'password', for: 'sns' }),
      field('Title template', 'title_template', f.title_template, { placeholder: '{{rule}}: {{type}} in {{accountId}}' }),
      field('Body template', 'body_template', f.body_template, { type: 'textarea' }),
      field('CA file', 'ca_file', f.ca_file, { placeholder: '/etc/vigil/ca.pem', hint: 'Empty: the system\'s certificate authorities verify TLS.' }),
      el('div', { class: 'toolbar' }, el('button', { type: 'submit', id: 'channel-save' }, 'Save channel'),
        el('button', { type: 'button', onclick: () => this.editor.replaceChildren() }, 'Cancel')),
      error);
    if (channel) form.querySelector('[name=name]').readOnly = true;
    const type = form.querySelector('[name=type]');
    type.addEventListener('change', () => showFor(form, type.value));
    showFor(form, f.type);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        const body = channelFromForm(values(form));
        if (channel) await api.put('channels', channel.name, body); else await api.create('channels', body);
        this.editor.replaceChildren();
        this.status.textContent = `Channel ${body.name} saved.`;
        await this.load();
      } catch (err) { error.textContent = reportError(err); }
    });
    this.editor.replaceChildren(form);
    form.querySelector('[name=name]').focus();
  }

  dispose() {}
}
