// The platform admin's page: signs in once per browser with the admin
// token (kept in localStorage, like the console keeps its device
// credentials, until "Sign out"), then creates, names, lists and deletes
// the deployment's sites through /v1/sites. A new site's owner key is
// shown once, with a copy button and the way to its console.

const KEY = 'presenza.platform.admin';
const $ = (id) => document.getElementById(id);

function token() {
  try { return localStorage.getItem(KEY) || ''; } catch { return ''; }
}

async function call(method, path, body, bearer = token()) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: {
        Authorization: 'Bearer ' + bearer,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw { status: 0, message: 'The server could not be reached. Check your connection and try again.' };
  }
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!res.ok) {
    throw { status: res.status, message: json?.error?.message || `The server answered ${res.status}.` };
  }
  return json;
}

function show(el, text) {
  el.textContent = text || '';
  el.hidden = !text;
}

function signedIn(on) {
  $('signin').hidden = on;
  $('signed-in').hidden = !on;
  $('sign-out').hidden = !on;
}

function consoleLink(site) {
  return '/console/?site=' + encodeURIComponent(site);
}

function row(site) {
  const li = document.createElement('li');
  li.className = 'site-row';
  li.dataset.site = site.site_id;
  const form = document.createElement('form');
  form.className = 'rename';
  const label = document.createElement('label');
  label.className = 'visually-hidden';
  label.htmlFor = 'name-' + site.site_id;
  label.textContent = 'Name of ' + site.site_id;
  const input = document.createElement('input');
  input.id = 'name-' + site.site_id;
  input.name = 'name';
  input.maxLength = 80;
  input.required = true;
  input.value = site.name || '';
  input.placeholder = 'Unnamed site';
  const save = document.createElement('button');
  save.type = 'submit';
  save.textContent = 'Rename';
  form.append(label, input, save);
  form.onsubmit = async (e) => {
    e.preventDefault();
    try {
      await call('PUT', '/v1/sites/' + encodeURIComponent(site.site_id), { name: input.value.trim() });
      show($('list-error'), '');
      await load();
    } catch (err) {
      show($('list-error'), err.message);
    }
  };
  const meta = document.createElement('span');
  meta.className = 'site-meta muted';
  const created = new Date(site.created_at);
  meta.append(Object.assign(document.createElement('code'), { textContent: site.site_id }),
    ' · created ' + created.toLocaleString());
  const open = document.createElement('a');
  open.href = consoleLink(site.site_id);
  open.textContent = 'Console';
  open.setAttribute('aria-label', 'Console of ' + (site.name || site.site_id));
  const del = document.createElement('button');
  del.type = 'button';
  del.className = 'danger';
  del.textContent = 'Delete';
  del.setAttribute('aria-label', 'Delete ' + (site.name || site.site_id));
  del.onclick = async () => {
    if (!del.classList.contains('armed')) {
      del.classList.add('armed');
      del.textContent = 'Confirm: delete everything';
      return;
    }
    try {
      await call('DELETE', '/v1/sites/' + encodeURIComponent(site.site_id));
      show($('list-error'), '');
      await load();
    } catch (err) {
      show($('list-error'), err.message);
    }
  };
  li.append(form, meta, open, del);
  return li;
}

async function load() {
  let list;
  try {
    list = await call('GET', '/v1/sites');
  } catch (err) {
    if (err.status === 401 || err.status === 403) return signOut(err.message);
    show($('list-error'), err.message);
    return;
  }
  const sites = list.sites || [];
  $('sites').replaceChildren(...sites.map(row));
  $('site-count').textContent = String(sites.length);
  $('empty').hidden = sites.length > 0;
}

function signOut(why) {
  try { localStorage.removeItem(KEY); } catch { /* private mode */ }
  $('new-site').hidden = true;
  signedIn(false);
  show($('signin-error'), why || '');
  $('signin-form').elements.token.focus();
}

$('signin-form').onsubmit = async (e) => {
  e.preventDefault();
  const value = e.target.elements.token.value.trim();
  try {
    await call('GET', '/v1/sites', undefined, value);
  } catch (err) {
    show($('signin-error'), err.status === 401 ? 'This is not the admin token of this deployment.' : err.message);
    return;
  }
  try { localStorage.setItem(KEY, value); } catch { /* kept for this page only */ }
  e.target.reset();
  show($('signin-error'), '');
  signedIn(true);
  await load();
};

$('create-form').onsubmit = async (e) => {
  e.preventDefault();
  const name = e.target.elements.name.value.trim();
  let made;
  try {
    made = await call('POST', '/v1/sites', { name });
  } catch (err) {
    show($('create-error'), err.message);
    return;
  }
  show($('create-error'), '');
  e.target.reset();
  $('new-site-title').textContent = 'Site “' + (made.name || made.site_id) + '” created';
  $('owner-key').textContent = made.owner_key;
  $('open-console').href = consoleLink(made.site_id);
  $('new-site').hidden = false;
  $('copy-key').focus();
  await load();
};

$('copy-key').onclick = async () => {
  try {
    await navigator.clipboard.writeText($('owner-key').textContent);
    $('copy-key').textContent = 'Copied';
  } catch {
    // No clipboard permission: select the key so Ctrl+C copies it.
    const range = document.createRange();
    range.selectNodeContents($('owner-key'));
    const sel = getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }
};

$('hide-key').onclick = () => {
  $('new-site').hidden = true;
  $('owner-key').textContent = '';
};

$('sign-out').onclick = () => signOut('');

if (token()) {
  signedIn(true);
  load();
} else {
  signOut('');
}
