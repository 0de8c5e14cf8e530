// advmon operator dashboard: polls the monitor's JSON endpoints and draws the page.
// Every string that came from a frame (camera ids, frame ids, labels, explanations, evidence) is attacker
// controlled: it only ever reaches the page through textContent or setAttribute, never as markup.
'use strict';

(() => {
  const POLL_MS = 1500;
  const SVG = 'http://www.w3.org/2000/svg';
  const $ = (id) => document.getElementById(id);
  const cards = new Map(); // alert key -> its card, so that a poll adds new alerts without reloading images
  const keyOf = (a) => String(a.key !== undefined ? a.key : a.seq); // unique over all instances

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }

  const count = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
  const pct = (x) => (Number.isFinite(x) ? (100 * x).toFixed(1) + '%' : '–');
  // The browser's own zone, named ("15:42:01 UTC", "16:42:01 CET"), with the date for a time before today
  // ("2026-12-03 15:42:01 UTC"): the logs an operator compares it with are in UTC, and a bare "15:42:01" said neither.
  const localDay = (d) => d.toLocaleDateString('en-CA'); // YYYY-MM-DD in the browser's zone
  const clock = (ms) => {
    if (!Number.isFinite(ms)) return '';
    const d = new Date(ms);
    // two-digit hours in every zone: with only hour12: false, en-GB wrote 1:25:14 before 10:00 (in Kolkata, 01:25 is
    // 19:55 UTC), a time that then did not line up with 15:42:01 nor read as the logs' 01:25:14
    const time = d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
      timeZoneName: 'short' });
    return localDay(d) === localDay(new Date()) ? time : localDay(d) + ' ' + time;
  };
  // the exact instant, as the logs write it
  const utc = (ms) => new Date(ms).toISOString() + ' (UTC)';

  const FETCH_TIMEOUT_MS = 10000;
  // rows the camera table shows: every poll of all 10,000 cameras an instance may list was megabytes a second
  const CAMERA_ROWS = 200;

  // Every failure is an error the header shows as stale: a hung connection (else the next poll never comes), an error
  // status, and a 200 that is not JSON (an auth proxy's login page would otherwise read as "no alerts").
  async function getJson(url) {
    let r;
    try {
      r = await fetch(url, { cache: 'no-store', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    } catch (e) {
      // fetch rejects without an answer only when nothing answered (the browser says just "Failed to fetch"): name
      // the request and what to check, the monitor serving this page being down, restarting or unreachable
      throw new Error(e.name === 'TimeoutError' ? url + ' did not answer within ' + FETCH_TIMEOUT_MS / 1000 + ' s'
        : url + ' could not be reached (' + e.message + '): check that the monitor at ' + location.origin
          + ' is running and reachable from this browser');
    }
    const body = await r.json().catch(() => null);
    // the monitor's reason (a 401's "needs the header ...") said neither which request was refused nor how: both first
    if (!r.ok) {
      const e = new Error(url + ' answered HTTP ' + r.status + (body && body.error ? ': ' + body.error : ''));
      // what the monitor does not hold yet (starting, rebalancing) and will by itself: no failure. Every 503 read
      // as one, and a normal start showed "update failed ... 503" while the broker, registry and model were awaited
      if (r.status === 503 && body && body.notYet === true) e.notYet = String(body.state);
      if (r.status === 503 && body && body.restarting === true) e.restarting = true;
      throw e;
    }
    if (body === null || typeof body !== 'object') throw new Error(url + ' answered something that is not JSON');
    return body;
  }

  function breakdown(map) {
    const parts = Object.entries(map || {}).filter(([, n]) => n > 0).map(([k, n]) => k + ' ' + count(n));
    return parts.join(' · ');
  }

  // Counts are each instance's since it started: after a restart they fell (1,241 to 7) and the chart emptied with no
  // word but the caption, which read as frames lost. A fall is said for DROP_NOTE_MS after it is seen. A poll that
  // left a peer out (too slow once) is neither compared nor kept: the note below names that peer already, and its
  // share back at the next poll was no restart, which a fall seen then said for 10 minutes.
  const DROP_NOTE_MS = 10 * 60 * 1000;
  let lastFrames = null;
  let dropNote = null;
  // what this instance is not ready for, as the summary said (null when ready): what a start waits for
  let waitingFor = null;

  function showSummary(s) {
    const leftOut = Array.isArray(s.instances) && s.instances.some((i) => i.error);
    if (Number.isFinite(s.frames) && !leftOut) {
      if (lastFrames !== null && s.frames < lastFrames) {
        dropNote = { until: Date.now() + DROP_NOTE_MS, text: 'Counts went down at ' + clock(Date.now()) + ' (frames '
          + count(lastFrames) + ' to ' + count(s.frames) + '): an instance restarted or stopped answering; the counts '
          + 'and the chart are since each instance started.' };
      }
      lastFrames = s.frames;
    }
    $('count-frames').textContent = count(s.frames);
    framesCounted = leftOut ? null : s.frames;
    $('count-verdicts').textContent = count(s.verdicts);
    $('count-dead-letters').textContent = count(s.deadLetters);
    $('count-alerts').textContent = count(s.alerts);
    $('alerts-by-kind').textContent = breakdown(s.alertsByKind);
    $('dead-letters-by-reason').textContent = breakdown(s.deadLettersByReason);
    // RUNNING is not ready: a monitor that cannot reach the broker or the registry, or has stalled, stays RUNNING
    // while /health/ready is DOWN, and a green badge then hid that no frame was being scored
    const notReady = s.ready === false;
    waitingFor = notReady ? reasons(s.readyReasons, s.streams) : null;
    const state = $('streams-state');
    // a restart in place: the old client is ERROR until the new one runs, which a red "ERROR" told as a failure for good
    const restarting = s.restarting === true;
    state.textContent = String(s.streams) + (restarting ? ', restarting'
      : notReady && s.streams === 'RUNNING' ? ', not ready' : '');
    state.className = 'badge ' + (restarting ? 'warn' : s.streams === 'ERROR' ? 'bad' : notReady ? 'warn'
      : s.streams === 'RUNNING' ? 'ok' : '');
    drawChart(s.timeline);
    // summed over the instances that answered: say which did not, or the totals silently drop by their share
    const instances = Array.isArray(s.instances) ? s.instances : [];
    const silent = instances.filter((i) => i.error);
    saidSilent = new Set(silent.map((i) => i.server));
    // this instance's own state is the badge; a peer's is said here
    // a peer's restart in place: its old client's ERROR (or its reasons alone) read as a failure for good, as the
    // badge's did for this instance
    const peerStates = instances.filter((i) => !i.local && !i.error)
      // a summary without the old client's state read "its old client is undefined until ..." (or an empty one):
      // the restart is said without it then
      .map((i) => (i.restarting === true ? i.server + ' is restarting Kafka Streams in place'
          + (i.streams ? ' (its old client is ' + i.streams + ' until a new one runs)' : '')
        : i.ready === false ? i.server + ' is not ready (' + reasons(i.readyReasons, i.streams) + ')'
        : i.streams && i.streams !== 'RUNNING' ? i.server + ' is ' + i.streams : null))
      .filter((t) => t !== null);
    const parts = [];
    if (notReady) parts.push('This instance is not ready: ' + reasons(s.readyReasons, s.streams) + '.');
    if (silent.length) parts.push('Counts and the chart leave out ' + describe(silent) + '.');
    if (peerStates.length) parts.push(peerStates.join('; ') + '.');
    // what a peer sent that does not fit a monitor's summary was left out of the counts: say so, and which peer
    const cut = instances.filter((i) => !i.local && !i.error && i.problem).map((i) => i.server + ' ' + i.problem + '.');
    if (cut.length) parts.push(cut.join(' '));
    if (dropNote && Date.now() < dropNote.until) parts.push(dropNote.text);
    note('instances-note', parts.join(' '));
  }

  const reasons = (list, streams) => (Array.isArray(list) && list.length ? list.join('; ') : 'Kafka Streams is ' + streams);

  const describe = (instances) => instances.map((i) => i.server + ' (' + i.error + ')').join('; ');

  // The instances whose reason for not answering the counts' note (at the top) gives now: the cameras' and the alerts'
  // notes name them without it. A long reason ("unreachable ...; it answered 3 s ago, so it is stopping or
  // restarting ...") stood in all three notes of the page.
  let saidSilent = new Set();

  // as describe, naming only an instance whose reason the counts' note already gives
  const describeOnce = (instances) => instances.map((i) => saidSilent.has(i.server) ? i.server
    : i.server + ' (' + i.error + ')').join('; ');

  // what the cameras' or the alerts' note says of the instances that did not answer: "Cameras of ... are missing"
  const missingNote = (what, missing) => what + ' of ' + describeOnce(missing) + ' are missing'
    + (missing.some((i) => saidSilent.has(i.server)) ? ' (why: see the note on the counts).' : '.');

  function note(id, text) {
    const p = $(id);
    p.textContent = text;
    p.hidden = !text;
  }

  // The chart is drawn in the svg's own pixels (its viewBox is its width): scaled from a fixed 640-wide box, its text
  // was 6 px in a 400 px window. Redrawn when its width changes, from the last timeline.
  const CHART_H = 180;
  let lastTimeline = null;
  let chartWidth = 0;
  let selectedBucket = null; // start (ms) of the bar the keyboard last chose: the chart's Tab stop, kept over redraws
  let pointedBucket = null; // start (ms) of the bar under the mouse; null once the mouse is off the bars
  let chartTotal = ''; // what the line under the chart says while no bar is pointed at or focused

  const bucketText = (t, i, v) => count(v) + (v === 1 ? ' alert' : ' alerts') + ' in the ' + t.bucketMs / 1000
    + ' s from ' + clock(t.firstBucketStart + i * t.bucketMs);

  function drawChart(t) {
    lastTimeline = t;
    const chart = $('chart');
    // a redraw replaces the bars: the one that had the keyboard's focus gets it back (the page polls every 1.5 s)
    const hadFocus = chart.contains(document.activeElement);
    chart.replaceChildren();
    const valid = t && Array.isArray(t.counts) && t.counts.length > 0 && t.bucketMs > 0;
    drawChartTable(valid ? t : null);
    if (!valid) {
      chartTotal = '';
      showReadout();
      return;
    }
    const W = chartWidth = Math.max(200, Math.round(chart.getBoundingClientRect().width));
    chart.setAttribute('viewBox', '0 0 ' + W + ' ' + CHART_H);
    const H = CHART_H, right = 8, top = 10, bottom = 24;
    const n = t.counts.length;
    const max = Math.max(1, ...t.counts);
    const left = 14 + 8 * String(count(max)).length;
    const step = (W - left - right) / n;
    const y = (v) => top + (H - top - bottom) * (1 - v / max);
    chart.appendChild(svg('line', { class: 'axis', x1: left, y1: y(0), x2: W - right, y2: y(0) }));
    chart.appendChild(svg('line', { class: 'axis', x1: left, y1: y(max), x2: W - right, y2: y(max) }));
    chart.appendChild(svg('text', { x: left - 6, y: y(max) + 4, 'text-anchor': 'end' }, count(max)));
    chart.appendChild(svg('text', { x: left - 6, y: y(0) + 4, 'text-anchor': 'end' }, 0));
    const bars = [];
    t.counts.forEach((v, i) => {
      if (!(v > 0)) return;
      const start = t.firstBucketStart + i * t.bucketMs;
      const label = bucketText(t, i, v);
      // at least 3 px wide, so that a bar of 1 among 60 in a phone's width is still seen (and its focus ring)
      const bar = svg('rect', { class: 'bar', x: left + i * step + 1, y: y(v), width: Math.max(3, step - 2),
        height: y(0) - y(v), rx: 1, tabindex: -1, role: 'img', 'aria-label': label });
      bar.dataset.start = String(start);
      bar.appendChild(svg('title', {}, label));
      bars.push(bar);
      chart.appendChild(bar);
    });
    const minutes = Math.round((n * t.bucketMs) / 60000);
    [[0, '−' + minutes + ' min', 'start'], [n / 2, '−' + minutes / 2 + ' min', 'middle'], [n, 'now', 'end']]
      .forEach(([i, label, anchor]) => chart.appendChild(svg('text', { x: left + i * step, y: H - 6, 'text-anchor': anchor }, label)));
    // one stop of the Tab key for the whole chart: the chosen bar while it is in the window, else the latest
    const chosen = bars.find((b) => Number(b.dataset.start) === selectedBucket) || bars[bars.length - 1];
    if (chosen) {
      chosen.setAttribute('tabindex', 0);
      if (hadFocus) chosen.focus({ preventScroll: true });
    }
    const total = t.counts.reduce((a, v) => a + (v > 0 ? v : 0), 0);
    chartTotal = total === 0 ? 'No alerts in the last ' + minutes + ' minutes.'
      : count(total) + ' alerts in the last ' + minutes + ' minutes, at most ' + count(max) + ' in '
        + t.bucketMs / 1000 + ' s. '
        + 'Tab to the bars (then the arrow keys) or open the table for each count.';
    showReadout();
  }

  const chartBars = () => Array.from($('chart').querySelectorAll('rect.bar'));

  // The line under the chart: the count of the bar pointed at, else of the bar focused, else the total. A bar's count
  // stayed there after the mouse or the focus had left it, and read as the chart's state; the total is that.
  function showReadout() {
    const bars = chartBars();
    const bar = bars.find((b) => Number(b.dataset.start) === pointedBucket)
      || bars.find((b) => b === document.activeElement);
    $('chart-readout').textContent = bar ? bar.getAttribute('aria-label') : chartTotal;
  }

  // Listened to on the chart, not on each bar: the bars are replaced at every poll, the chart stays
  $('chart').addEventListener('focusin', (e) => {
    if (!e.target.matches('rect.bar')) return;
    selectedBucket = Number(e.target.dataset.start);
    for (const b of chartBars()) b.setAttribute('tabindex', b === e.target ? 0 : -1);
    showReadout();
  });
  // while focusout runs, the element that loses the focus is no longer the active one
  $('chart').addEventListener('focusout', showReadout);
  $('chart').addEventListener('pointerover', (e) => {
    pointedBucket = e.target.matches('rect.bar') ? Number(e.target.dataset.start) : null;
    showReadout();
  });
  $('chart').addEventListener('pointerleave', () => {
    pointedBucket = null;
    showReadout();
  });

  // the arrow keys move between the bars, Home and End to the first and the last
  $('chart').addEventListener('keydown', (e) => {
    const bars = Array.from($('chart').querySelectorAll('rect.bar'));
    const at = bars.indexOf(document.activeElement);
    if (at < 0) return;
    const to = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: bars.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    if (to >= 0 && to < bars.length) bars[to].focus();
  });

  new ResizeObserver(() => {
    if (lastTimeline && Math.round($('chart').getBoundingClientRect().width) !== chartWidth) drawChart(lastTimeline);
  }).observe($('chart'));

  // the same counts as a table, newest first: what a screen reader or a copy into a report needs
  function drawChartTable(t) {
    const rows = [];
    if (t) {
      t.counts.forEach((v, i) => {
        if (!(v > 0)) return;
        const tr = el('tr');
        tr.append(el('td', null, clock(t.firstBucketStart + i * t.bucketMs)), el('td', 'num', count(v)));
        rows.unshift(tr);
      });
    }
    if (!rows.length) {
      const tr = el('tr');
      const td = el('td', 'empty', t ? 'No alerts in this window.' : 'No timeline yet.');
      td.colSpan = 2;
      tr.appendChild(td);
      rows.push(tr);
    }
    $('chart-table').querySelector('tbody').replaceChildren(...rows);
  }

  function showCameras(body) {
    const tbody = $('cameras').querySelector('tbody');
    const rows = (body.cameras || []).map((c) => {
      const tr = el('tr');
      tr.dataset.camera = String(c.cameraId);
      const pill = () => el('span', 'pill ' + (c.status === 'CAMPAIGN' ? 'CAMPAIGN' : 'NORMAL'), c.status);
      // In a phone's width the status stands under the camera id and the flagged total under the frames' (their own
      // columns hidden there, dashboard.css): five columns were wider than 360 px, and the totals scrolled sideways.
      const camera = el('td', 'camera', c.cameraId);
      camera.appendChild(el('span', 'narrow under')).appendChild(pill());
      tr.appendChild(camera);
      const status = el('td', 'wide');
      status.appendChild(pill());
      tr.appendChild(status);
      // beside the status, which it explains: last, it was behind a sideways scroll in a phone's width
      const last = c.lastWindowStart >= 0 && c.lastWindowFrames > 0;
      tr.appendChild(el('td', 'num', last ? pct(c.lastWindowFlagged / c.lastWindowFrames)
        : c.windowFrames > 0 ? pct(c.windowFlagged / c.windowFrames) + ' (current)' : '–'));
      const frames = el('td', 'num', count(c.totalFrames));
      frames.appendChild(el('span', 'narrow', count(c.totalFlagged) + ' flagged'));
      tr.appendChild(frames);
      tr.appendChild(el('td', 'num wide', count(c.totalFlagged)));
      return tr;
    });
    tbody.replaceChildren(...rows);
    cameraFrames = (body.cameras || []).reduce((a, c) => a + (c.totalFrames > 0 ? c.totalFrames : 0), 0);
    const campaigns = (body.cameras || []).filter((c) => c.status === 'CAMPAIGN').length;
    const known = Number.isFinite(body.known) ? body.known : rows.length;
    $('cameras-hint').textContent = (known > rows.length
      ? rows.length + ' of ' + count(known) + ' known, campaigns and highest flag rate first'
      : rows.length + ' known') + (campaigns ? ', ' + campaigns + ' under campaign' : '')
      + (body.truncated ? '; list cut at ' + count(body.limit_per_instance) + ' per instance' : '');
    // a silent instance whose cameras came from standby replicas (its entry's stale note says how many, from where)
    // is not "missing": the table lists them. Said once for all the instances that share the note
    const missing = (body.instances || []).filter((i) => i.error && !i.stale);
    const fromReplicas = new Map();
    (body.instances || []).filter((i) => i.error && i.stale)
      .forEach((i) => fromReplicas.set(i.stale, (fromReplicas.get(i.stale) || []).concat([i])));
    const replicaNotes = Array.from(fromReplicas, ([why, silent]) => 'Cameras of ' + describeOnce(silent)
      + ' come from standby replicas, not from ' + (silent.length === 1 ? 'it' : 'them') + ': ' + why + '.');
    // a peer whose cameras did not fit what a monitor holds: those were left out by the server, the rest are listed
    const cut = (body.instances || []).filter((i) => !i.error && i.problem).map((i) => i.server + ' ' + i.problem + '.');
    // read during a rebalance (every scale-out and scale-in): listed rather than an empty table, and said so
    const stale = (body.instances || []).filter((i) => !i.error && i.stale)
      .map((i) => 'Cameras of ' + i.server + ' may be stale: ' + i.stale + '.');
    if (typeof body.stale === 'string') stale.push('These cameras may be stale: ' + body.stale + '.');
    $('cameras-note').textContent = stale.concat(replicaNotes, missing.length
      ? missingNote('Cameras', missing)
      : body.truncated ? 'Not every camera is listed: /cameras/{id} answers for any camera.'
        : rows.length ? '' : 'No camera has sent a readable frame yet.', cut).filter((t) => t).join(' ');
  }

  // The caption over the counts. It said the camera totals do not start at 0 with each process: in a demo (a new
  // broker each time) they do. After a restart that kept the cameras' state, or a scale-in, they are above the frames
  // read, which the page did not explain: it says so when they are.
  const CAPTION = $('counts-hint').textContent.replace(/\s+/g, ' ').trim();
  let cameraFrames = null; // frames in the totals of the cameras listed (those cut from the list not counted)
  // the frames read that the tile shows; null while the counts leave a peer out, whose cameras the table may still
  // list (from standby replicas): the note over the counts says why they differ then. Compared with lastFrames (kept
  // from the last poll that left no peer out, for the fall), the caption named a count the tile no longer showed and
  // blamed a restart or a scale-in
  let framesCounted = null;

  function showCaption() {
    $('counts-hint').textContent = CAPTION + (Number.isFinite(framesCounted) && cameraFrames > framesCounted
      ? ': the cameras\' ' + count(cameraFrames) + ' frames are more than the ' + count(framesCounted) + ' read, as '
        + 'they include frames read before a restart that kept the cameras\' state, or by an instance since stopped '
        + '(a scale-in)' : '');
  }

  // What the cameras note says while the monitor has no cameras to give yet (the state of its 503), instead of the
  // 503 itself: "ask another instance, or retry" is for a script; the page asks again by itself. During a restart in
  // place the old client's ERROR read as "once Kafka Streams is running here (it is ERROR)", as if it had stopped
  function notYetNote(state, restarting) {
    return (restarting ? 'Cameras are listed once Kafka Streams has restarted here (its old client is ' + state
      + ' until a new one runs)'
      : state === 'STARTING' ? 'Cameras are listed once this instance has started'
      : state === 'RUNNING' ? 'Cameras are listed once Kafka Streams has taken up its partitions (a few seconds)'
        : 'Cameras are listed once Kafka Streams is running here (it is ' + state + ')')
      + '; the page asks again by itself.';
  }

  function drawOverlay(canvas, overlay) {
    const cell = 16;
    canvas.width = overlay.cols * cell;
    canvas.height = overlay.rows * cell;
    const g = canvas.getContext('2d');
    for (let r = 0; r < overlay.rows; r++) {
      for (let c = 0; c < overlay.cols; c++) {
        const inSubset = overlay.cells.charAt(r * overlay.cols + c) === '1';
        if (inSubset) {
          g.strokeStyle = 'rgba(250, 204, 21, 0.95)';
          g.lineWidth = 2;
          g.strokeRect(c * cell + 1, r * cell + 1, cell - 2, cell - 2);
        } else {
          g.fillStyle = 'rgba(15, 23, 42, 0.6)';
          g.fillRect(c * cell, r * cell, cell, cell);
        }
      }
    }
  }

  function alertCard(a) {
    const card = el('article', 'alert sev-' + (['INFO', 'WARNING', 'CRITICAL'].includes(a.severity) ? a.severity : 'WARNING'));
    card.dataset.seq = String(a.seq);
    card.dataset.key = keyOf(a);
    const frame = el('div', 'frame');
    const url = a.image && typeof a.image.url === 'string' && a.image.url.startsWith('/api/alerts/') ? a.image.url : null;
    if (url && Number.isInteger(a.seq)) {
      const picture = el('div', 'picture');
      const img = el('img');
      img.alt = 'frame ' + (a.frameId || '') + ' from camera ' + a.cameraId;
      // The frame's shape is the camera's choice: fit it in 160 x 240 px, not just 160 px wide (a 1x320 picture
      // was drawn 51,200 px tall), and size the box to it so that the overlay lies on the picture.
      const w = Number(a.image.width), h = Number(a.image.height);
      const scale = w > 0 && h > 0 ? Math.min(160 / w, 240 / h) : 0;
      img.width = scale ? Math.max(1, Math.round(w * scale)) : 160;
      if (scale) img.height = Math.max(1, Math.round(h * scale));
      picture.style.width = img.width + 'px';
      img.src = url; // this instance's, or relayed from the instance that holds the frame
      picture.appendChild(img);
      if (a.overlay) {
        const canvas = el('canvas', 'overlay');
        drawOverlay(canvas, a.overlay);
        picture.appendChild(canvas);
      }
      frame.appendChild(picture);
      frame.appendChild(el('div', 'legend', a.overlay
        ? 'subset: ' + a.overlay.selected + ' of ' + a.overlay.rows * a.overlay.cols + ' cells outlined, the rest dimmed'
        : a.image.width + '×' + a.image.height + ' px'));
    } else {
      frame.appendChild(el('div', 'noimage', a.frameId ? 'no image kept' : 'camera-level alert'));
    }
    card.appendChild(frame);

    const body = el('div', 'body');
    const head = el('div', 'head');
    head.appendChild(el('span', 'kind', a.kind));
    head.appendChild(el('span', 'sev ' + a.severity, a.severity));
    const time = el('time', null, clock(a.time));
    if (Number.isFinite(a.time)) {
      time.setAttribute('datetime', new Date(a.time).toISOString());
      time.title = utc(a.time);
    }
    head.appendChild(time);
    // as text too, smaller: a tooltip is out of reach of the keyboard and of touch screens, and the logs write this
    if (Number.isFinite(a.time)) head.appendChild(el('span', 'utc', utc(a.time)));
    body.appendChild(head);
    const meta = el('div', 'meta');
    meta.append('camera ', el('b', null, a.cameraId));
    if (a.frameId) meta.append(' · frame ', el('b', null, a.frameId));
    if (a.sourceId) meta.append(' · source ', el('b', null, a.sourceId));
    body.appendChild(meta);
    if (a.predictedLabel !== null && a.predictedLabel !== undefined) {
      body.appendChild(el('div', 'pred', 'Model says “' + a.predictedLabel + '” at ' + pct(a.confidence)));
    }
    if (Array.isArray(a.scores) && a.scores.length) {
      const list = el('ul', 'scores');
      for (const s of a.scores) {
        const li = el('li', s.flagged ? 'flagged' : '');
        li.appendChild(el('span', 'name', s.detector));
        const track = el('span', 'track');
        const scale = Math.max(s.score, s.threshold, 1e-9) * 1.15;
        const fill = el('span', 'fill');
        fill.style.width = Math.min(100, (100 * s.score) / scale) + '%';
        const mark = el('span', 'threshold');
        mark.style.left = Math.min(100, (100 * s.threshold) / scale) + '%';
        mark.title = 'threshold ' + s.threshold;
        track.append(fill, mark);
        li.appendChild(track);
        const nums = el('span', 'nums', Number(s.score).toFixed(3) + ' / ' + Number(s.threshold).toFixed(3));
        // said in words too: a red bar was the only sign of which detector flagged the frame
        if (s.flagged) nums.appendChild(el('b', 'flag', ' flagged'));
        li.appendChild(nums);
        list.appendChild(li);
      }
      body.appendChild(list);
    }
    body.appendChild(el('p', 'why', a.explanation));
    if (a.overlayProblem) body.appendChild(el('p', 'problem', 'Evidence overlay not drawn: ' + a.overlayProblem));
    card.appendChild(body);
    return card;
  }

  // Holding the list still: a demo's 400 alerts in 33 s moved every card at each poll, the one being read included.
  // Held by Pause (the keyboard's way, and a touch screen's) or while the pointer is on the alerts; what arrives
  // meanwhile is counted, and drawn when the list is let go.
  let paused = false;
  let pointerOn = false;
  let heldSince = 0;
  let heldBody = null; // the latest answer while the list is held
  const held = () => paused || pointerOn;

  // The note that says the list is held comes and goes (and may take another line) above the cards: the page scrolls
  // by as much, so that the cards stay where they are on the screen. It pushed them down a line when the pointer came
  // onto them, and a list pointed at near its top edge slid from under the pointer, which let it go again.
  function keepingAlertsInPlace(change) {
    const before = $('alerts').getBoundingClientRect().top;
    change();
    const moved = $('alerts').getBoundingClientRect().top - before;
    if (moved) window.scrollBy(0, moved);
  }

  function holdChanged() {
    keepingAlertsInPlace(changeHold);
  }

  function changeHold() {
    // its label says the state ("Pause", "Resume (3 new)"), so no aria-pressed: a toggle whose label changes too was
    // read "Resume, toggle button, pressed", which says the opposite of paused
    $('alerts-pause').classList.toggle('paused', paused);
    if (held()) {
      if (!heldSince) heldSince = Date.now();
    } else {
      heldSince = 0;
      const body = heldBody;
      heldBody = null;
      if (body) drawAlerts(body);
    }
    showHeld();
  }

  function showHeld() {
    const list = heldBody ? heldBody.alerts || [] : [];
    const fresh = list.filter((a) => !cards.has(keyOf(a))).length;
    // the list holds the latest 50: when every one of a full list is new, more may have come than it shows (of a list
    // not full, none was pushed out: "at least 2" of 2 said some were lost)
    const full = heldBody !== null && !(list.length < heldBody.capacity);
    const n = (fresh > 0 && fresh === list.length && full ? 'at least ' : '') + count(fresh);
    $('alerts-pause').textContent = paused ? 'Resume' + (fresh ? ' (' + n + ' new)' : '') : 'Pause';
    // a live region (role status), never hidden: one that appears with its text is not announced by every screen
    // reader, and the count changed on the screen only
    $('alerts-held').textContent = !held() ? ''
      : (paused ? 'Paused: ' : 'Held while the pointer is on the alerts: ') + n
        + (fresh === 1 ? ' new alert' : ' new alerts') + ' since ' + clock(heldSince)
        + (paused ? '; Resume shows them.' : '; move it away to show them.');
  }

  $('alerts-pause').addEventListener('click', () => {
    paused = !paused;
    holdChanged();
  });
  $('alerts').addEventListener('pointerenter', () => {
    pointerOn = true;
    holdChanged();
  });
  $('alerts').addEventListener('pointerleave', () => {
    pointerOn = false;
    holdChanged();
  });

  function showAlerts(body) {
    const missing = (body.instances || []).filter((i) => i.error);
    // a peer whose alerts were cut to a monitor's shape and bounds by the server (a broken or hostile instance)
    const cut = (body.instances || []).filter((i) => !i.error && i.problem).map((i) => i.server + ' ' + i.problem + '.');
    const notes = () => note('alerts-note',
      (missing.length ? [missingNote('Alerts', missing)] : []).concat(cut).join(' '));
    if (held()) {
      heldBody = body;
      keepingAlertsInPlace(() => {
        notes();
        showHeld();
      });
    } else {
      notes();
      drawAlerts(body);
    }
  }

  function drawAlerts(body) {
    const list = body.alerts || [];
    const keep = new Set(list.map(keyOf));
    for (const [key, card] of cards) {
      if (!keep.has(key)) {
        card.remove();
        cards.delete(key);
      }
    }
    const container = $('alerts');
    let previous = null; // newest first: each card goes right after the one before it
    for (const a of list) {
      let card = cards.get(keyOf(a));
      if (!card) {
        card = alertCard(a);
        cards.set(keyOf(a), card);
      }
      // kept cards are not rebuilt: their time is redrawn, for a card made before midnight to gain its date after it
      const time = card.querySelector('.head time');
      if (time && time.textContent !== clock(a.time)) time.textContent = clock(a.time);
      const want = previous ? previous.nextSibling : container.firstChild;
      if (want !== card) container.insertBefore(card, want);
      previous = card;
    }
    $('alerts-empty').hidden = list.length > 0;
    $('alerts-hint').textContent = list.length ? 'newest first, up to ' + body.capacity : '';
  }

  // When each part of the page was last drawn from an answer (0: not since the page was loaded). A part whose
  // request failed keeps what it showed, greyed out (class stale): the last counts, CAMPAIGN pills and alerts stood
  // at full colour while the monitor was down, and only the header said so.
  const lastDrawn = { summary: 0, cameras: 0, alerts: 0 };

  function mark(part, failure) {
    if (!failure) lastDrawn[part] = Date.now();
    // not there yet (the monitor is starting) and nothing drawn: nothing to grey, the part says what it waits for
    if (failure && failure.notYet && !lastDrawn[part]) failure = null;
    for (const e of document.querySelectorAll('[data-part="' + part + '"]')) {
      e.classList.toggle('stale', Boolean(failure));
      // on the part itself, in words: grey alone told it only by colour. Text of the page, not CSS content, which
      // screen readers may leave unsaid
      let said = e.querySelector(':scope > .stale-note');
      if (failure) {
        const since = lastDrawn[part] ? clock(lastDrawn[part]) : 'the page was loaded';
        e.title = 'not updated since ' + since + ': ' + failure.message;
        if (!said) e.prepend(said = el('span', 'stale-note'));
        said.textContent = 'Stale: not updated since ' + since;
      } else {
        e.removeAttribute('title');
        if (said) said.remove();
      }
    }
  }

  // draws one part from its request, or marks it stale; rejects with the failure for the header
  const part = (name, request, draw) => request.then(draw).then(() => mark(name, null), (e) => {
    mark(name, e);
    throw e;
  });

  async function poll() {
    const results = await Promise.allSettled([
      part('summary', getJson('/api/summary'), showSummary).catch((e) => {
        // the last state told (a green RUNNING) would stand while the monitor may be down
        const state = $('streams-state');
        state.textContent = 'unknown';
        state.className = 'badge';
        throw e;
      }),
      part('cameras', getJson('/cameras?limit=' + CAMERA_ROWS), showCameras).catch((e) => {
        $('cameras-note').textContent = e.notYet ? notYetNote(e.notYet, e.restarting) : e.message;
        throw e;
      }),
      part('alerts', getJson('/api/alerts'), showAlerts),
    ]);
    const rejected = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
    const failed = rejected.find((e) => !e.notYet);
    const updated = $('updated');
    showCaption();
    if (failed) {
      // the oldest of the greyed parts: what the page shows is at least that old
      const stale = Object.keys(lastDrawn).filter((p) => document.querySelector('[data-part="' + p + '"].stale'));
      const since = Math.min(...stale.map((p) => lastDrawn[p]));
      updated.textContent = 'update failed: ' + failed.message + ' (retrying); greyed parts show '
        + (since > 0 ? 'the last update, at ' + clock(since) : 'no update since the page was loaded');
      updated.classList.add('stale');
    } else if (rejected.length) {
      // starting (or rebalancing, restarting), which is no failure: what it waits for, as readiness says it
      // ("starting: checking the Kafka broker, ...; registry: ..."), else the state it waits in. Only STARTING (before
      // Kafka Streams exists) is a start: a page opened during a rebalance of an instance up for hours read "starting:
      // Kafka Streams is REBALANCING", as only a page that had seen RUNNING told a rebalance from a start
      const state = rejected[0].notYet;
      const what = waitingFor || (state === 'RUNNING' ? 'Kafka Streams is taking up its partitions'
        : 'Kafka Streams is ' + state);
      updated.textContent = (what.startsWith('starting') ? '' : state === 'STARTING' ? 'starting: ' : 'waiting: ')
        + what + ' (the page updates by itself)';
      updated.classList.remove('stale');
    } else {
      updated.textContent = 'updated ' + clock(Date.now());
      updated.classList.remove('stale');
    }
    setTimeout(poll, POLL_MS);
  }

  poll();
})();
