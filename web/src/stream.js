// The live stream of new and updated findings (GET /api/stream, Server-Sent Events), read with
// fetch rather than EventSource so that it can carry the API key; reconnects after a drop.

// Server-Sent Events from text that arrives in arbitrary pieces (pure): push() returns the
// events completed by the piece, each {event, data, id}.
export class SseParser {
  constructor() {
    this.buffer = '';
    this.reset();
  }

  reset() {
    this.event = '';
    this.data = [];
    this.id = '';
  }

  push(text) {
    this.buffer += text;
    const out = [];
    let nl;
    while ((nl = this.buffer.search(/\r\n|\n|\r/)) >= 0) {
      const line = this.buffer.slice(0, nl);
      const eol = this.buffer.startsWith('\r\n', nl) ? 2 : 1;
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (eol === 1 && this.buffer[nl] === '\r' && nl === this.buffer.length - 1) break;
      this.buffer = this.buffer.slice(nl + eol);
      if (line === '') {
        if (this.data.length) out.push({ event: this.event || 'message', data: this.data.join('\n'), id: this.id });
        this.reset();
        continue;
      }
      if (line.startsWith(':')) continue; // a comment (": keep-alive")
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') this.event = value;
      else if (field === 'data') this.data.push(value);
      else if (field === 'id') this.id = value;
    }
    return out;
  }
}

export class LiveStream {
  // onFinding({change, finding}) for each event; onStatus('live' | 'reconnecting' | 'unauthorized').
  constructor({ path = '/api/stream', headers = () => ({}), onFinding, onStatus }) {
    this.path = path;
    this.headers = headers;
    this.onFinding = onFinding;
    this.onStatus = onStatus;
    this.controller = null;
    this.stopped = false;
    this.delay = 1000;
    this.connect();
  }

  async connect() {
    if (this.stopped) return;
    this.controller = new AbortController();
    const parser = new SseParser();
    try {
      const res = await fetch(this.path, { headers: { accept: 'text/event-stream', ...this.headers() }, signal: this.controller.signal });
      if (res.status === 401 || res.status === 403) {
        this.onStatus('unauthorized');
        return; // the page asks for a key and starts a new stream
      }
      if (!res.ok || !res.body) throw new Error(`stream: HTTP ${res.status}`);
      this.onStatus('live');
      this.delay = 1000;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const e of parser.push(value)) {
          if (e.event === 'finding') {
            try { this.onFinding(JSON.parse(e.data)); } catch { /* a malformed event is skipped */ }
          }
        }
      }
    } catch (e) {
      if (this.stopped || e.name === 'AbortError') return;
    }
    if (this.stopped) return;
    // Dropped (the server restarted, or an overflow): again, backing off up to 30 s.
    this.onStatus('reconnecting');
    setTimeout(() => this.connect(), this.delay);
    this.delay = Math.min(this.delay * 2, 30_000);
  }

  stop() {
    this.stopped = true;
    this.controller?.abort();
  }
}
