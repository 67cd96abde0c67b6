// The test kit's dashboard: stores, a store's journal and webhook deliveries, and the
// control plane's buttons, all through the control plane's own JSON endpoints.
//
// Every value from the server is written with textContent, never parsed as HTML: journal
// paths and webhook answers are whatever a client or a receiver sent.
"use strict";

const CONTROL = "/_control";
const TOKEN_KEY = "ecwid-customers.admin-token"; // sessionStorage: this tab only
const REFRESH_MS = 2000;

const byId = (id) => document.getElementById(id);
let selected = null; // the store shown below the list
let refreshTimer = null;

class ControlError extends Error {
  constructor(status, code, message) {
    super(`${code}: ${message}`);
    this.status = status;
  }
}

async function control(method, path, body) {
  const headers = { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) || ""}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(CONTROL + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
  });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (_) {
    data = null;
  }
  if (!response.ok) {
    const code = (data && data.errorCode) || `HTTP ${response.status}`;
    throw new ControlError(response.status, code, (data && data.errorMessage) || text);
  }
  return data;
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function button(label, onClick, className) {
  const node = element("button", label, className);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

function row(cells) {
  const tr = element("tr");
  for (const cell of cells) {
    const td = element("td");
    if (cell instanceof Node) td.append(cell);
    else td.textContent = cell === undefined || cell === null ? "" : String(cell);
    tr.append(td);
  }
  return tr;
}

function fill(table, rows, empty) {
  const body = byId(table).tBodies[0];
  if (rows.length === 0) {
    const td = element("td", empty, "empty");
    td.colSpan = byId(table).tHead.rows[0].cells.length;
    const tr = element("tr");
    tr.append(td);
    body.replaceChildren(tr);
  } else {
    body.replaceChildren(...rows);
  }
}

function say(message, isError) {
  const status = byId("status");
  status.textContent = message;
  status.className = isError ? "status error" : "status";
}

function when(seconds) {
  return seconds === null || seconds === undefined ? "" : new Date(seconds * 1000).toISOString();
}

// --- signing in and out ---

function showLogin(message) {
  stopRefreshing();
  byId("app").hidden = true;
  byId("sign-out").hidden = true;
  byId("counts").textContent = "";
  byId("login").hidden = false;
  byId("token").focus();
  if (message) say(message, true);
}

async function signIn(event) {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, byId("token").value.trim());
  byId("token").value = "";
  try {
    await control("GET", "");
  } catch (error) {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin(error.status === 401 ? "That is not the admin token." : error.message);
    return;
  }
  say("Signed in.");
  showApp();
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  selected = null;
  byId("store").hidden = true;
  showLogin();
  say("Signed out.");
}

function showApp() {
  byId("login").hidden = true;
  byId("app").hidden = false;
  byId("sign-out").hidden = false;
  refresh();
}

// --- what is shown ---

function stopRefreshing() {
  if (refreshTimer !== null) clearTimeout(refreshTimer);
  refreshTimer = null;
}

async function refresh() {
  stopRefreshing();
  try {
    await showStores();
    if (selected !== null) await showStore(selected);
  } catch (error) {
    if (error.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      showLogin("The server no longer takes this token; sign in again.");
      return;
    }
    say(error.message, true);
  }
  refreshTimer = setTimeout(refresh, REFRESH_MS);
}

async function showStores() {
  const overview = await control("GET", "");
  byId("counts").textContent =
    `${overview.stores} stores, ${overview.faults} fault rules, ` +
    `journal keeps ${overview.journalSize} calls a store`;
  const stores = await control("GET", "/stores");
  if (selected !== null && !stores.some((store) => store.id === selected)) selected = null;
  fill(
    "stores",
    stores.map((store) => {
      const tr = row([
        button(String(store.id), () => select(store.id), "link"),
        store.customers,
        store.tokens,
        store.languages.join(", "),
        store.suspended ? "yes" : "no",
      ]);
      tr.dataset.store = String(store.id);
      if (store.id === selected) tr.className = "selected";
      return tr;
    }),
    "No stores.",
  );
  if (selected === null) byId("store").hidden = true;
}

async function showStore(storeId) {
  const [store, journal, deliveries] = await Promise.all([
    control("GET", `/stores/${storeId}`),
    control("GET", `/stores/${storeId}/journal`),
    control("GET", `/stores/${storeId}/webhooks`),
  ]);
  if (storeId !== selected) return; // another store was picked meanwhile
  byId("store").hidden = false;
  byId("store-title").textContent = `Store ${store.id}`;
  byId("store-api-url").textContent = store.apiUrl;
  byId("store-clock").textContent = describeClock(store.clock);
  fill(
    "journal",
    journal.items
      .slice()
      .reverse()
      .map((call) =>
        row([
          call.seq,
          call.at,
          call.method,
          call.query ? `${call.path}?${call.query}` : call.path,
          call.status === 0 ? "dropped" : call.status,
          call.durationMs,
          call.errorCode,
          call.faultId,
        ]),
      ),
    "No calls recorded.",
  );
  byId("paused").textContent = deliveries.paused ? "paused" : "";
  byId("toggle-pause").textContent = deliveries.paused ? "Resume" : "Pause";
  byId("toggle-pause").dataset.paused = deliveries.paused ? "true" : "false";
  fill(
    "deliveries",
    deliveries.items.map((delivery) =>
      row([
        delivery.id,
        delivery.eventType,
        delivery.entityId,
        delivery.tokenId,
        element("span", delivery.state, `state ${delivery.state}`),
        delivery.attempts,
        lastAnswer(delivery.attemptLog),
        when(delivery.nextAttemptAt),
        button("Redeliver", () =>
          act(
            "POST",
            `/stores/${storeId}/webhooks/${delivery.id}/redeliver`,
            `Delivery ${delivery.id} queued again.`,
          ),
        ),
      ]),
    ),
    "No deliveries.",
  );
}

function describeClock(clock) {
  if (!clock) return "";
  return Object.entries(clock)
    .map(([key, value]) => `${key}: ${value}`)
    .join(", ");
}

function lastAnswer(log) {
  if (!log || log.length === 0) return "";
  const last = log[log.length - 1];
  const why = last.error ? ` (${last.error})` : "";
  const answer = last.status === null ? last.error : `${last.status}${why}`;
  return `${answer}, ${last.latencyMs} ms`;
}

function select(storeId) {
  selected = storeId;
  refresh();
}

// --- the buttons ---

async function act(method, path, done, body) {
  try {
    await control(method, path, body);
    say(done);
  } catch (error) {
    say(error.message, true);
  }
  await refresh();
}

function confirmThen(question, method, path, done) {
  if (selected === null || !window.confirm(question)) return;
  act(method, path, done);
}

function fire(event) {
  event.preventDefault();
  if (selected === null) return;
  const email = byId("fire-email").value.trim();
  const tokenId = byId("fire-token").value.trim();
  const body = {
    eventType: byId("fire-event").value,
    entityId: Number(byId("fire-entity").value),
    signature: byId("fire-signature").value,
  };
  if (email) body.data = { customerEmail: email };
  if (tokenId) body.tokenId = Number(tokenId);
  const storeId = selected;
  control("POST", `/stores/${storeId}/webhooks/fire`, body)
    .then((answer) => say(`${body.eventType} queued for ${answer.queued} token(s).`))
    .catch((error) => say(error.message, true))
    .then(refresh);
}

document.addEventListener("DOMContentLoaded", () => {
  byId("login").addEventListener("submit", signIn);
  byId("sign-out").addEventListener("click", signOut);
  byId("fire").addEventListener("submit", fire);
  byId("reset-store").addEventListener("click", () =>
    confirmThen(
      `Empty store ${selected}: customers, groups, journal, faults and clock? Its tokens stay.`,
      "POST",
      `/stores/${selected}/reset`,
      `Store ${selected} reset.`,
    ),
  );
  byId("clear-journal").addEventListener("click", () =>
    confirmThen(
      `Clear the journal of store ${selected}?`,
      "DELETE",
      `/stores/${selected}/journal`,
      "Journal cleared.",
    ),
  );
  byId("clear-deliveries").addEventListener("click", () =>
    confirmThen(
      `Remove every delivery of store ${selected}?`,
      "DELETE",
      `/stores/${selected}/webhooks`,
      "Deliveries removed.",
    ),
  );
  byId("toggle-pause").addEventListener("click", () => {
    if (selected === null) return;
    const paused = byId("toggle-pause").dataset.paused === "true";
    const action = paused ? "resume" : "pause";
    const done = paused ? "Webhooks resumed." : "Webhooks paused.";
    act("POST", `/stores/${selected}/webhooks/${action}`, done);
  });
  if (sessionStorage.getItem(TOKEN_KEY)) showApp();
  else showLogin();
});
