// Keep console pages current without reloads that lose work:
// - long-poll /api/changes and refresh [data-fragment] panels when a draft
//   changed anywhere (web, Slack, Discord), skipping a panel the rep is typing
//   in until they are done;
// - send decisions (forms marked data-async) with fetch, so deciding one card
//   never throws away an edit open on another;
// - submit a form when a control marked data-submit-on-change changes (here, not
//   in an inline handler: the Content-Security-Policy allows no inline script).
(function () {
  let version = Number(document.body.dataset.version || 0);
  let stale = false;
  const tokenTag = document.querySelector('meta[name="csrf-token"]');
  const token = tokenTag ? tokenTag.content : "";

  function busy(el) {
    const active = document.activeElement;
    return (el.contains(active) && (active.tagName === "TEXTAREA" || active.tagName === "INPUT")) ||
      el.querySelector("details[open].edit") !== null;
  }

  // While the rep works on one card, update the other cards in place and
  // leave the whole-panel refresh (new cards, new order) for when they finish.
  function patchCards(el, html) {
    const doc = new DOMParser().parseFromString(html, "text/html");
    for (const fresh of doc.querySelectorAll("[data-draft]")) {
      const current = document.getElementById(fresh.id);
      if (current && el.contains(current) && !busy(current)) current.outerHTML = fresh.outerHTML;
    }
  }

  async function refresh() {
    stale = false;
    for (const el of document.querySelectorAll("[data-fragment]")) {
      const response = await fetch(el.dataset.fragment, { headers: { Accept: "text/html" } });
      if (!response.ok) continue;
      const html = await response.text();
      if (busy(el)) { stale = true; patchCards(el, html); } else { el.innerHTML = html; }
    }
    const log = document.getElementById("chat-log");
    if (log) {
      const page = await fetch(location.href, { headers: { Accept: "text/html" } });
      if (page.ok) {
        const doc = new DOMParser().parseFromString(await page.text(), "text/html");
        const fresh = doc.getElementById("chat-log");
        if (fresh) { log.innerHTML = fresh.innerHTML; log.scrollTop = log.scrollHeight; }
      }
    }
  }

  async function replaceCard(id) {
    const el = document.getElementById(`draft-${id}`);
    if (!el) return;
    const response = await fetch(`/fragments/drafts/${id}`, { headers: { Accept: "text/html" } });
    if (response.ok) el.outerHTML = await response.text();
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-async")) return;
    event.preventDefault();
    const card = form.closest("[data-draft]");
    for (const button of form.querySelectorAll("button")) button.disabled = true;
    let message = "";
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json", "X-CSRF-Token": token },
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) message = data.message || data.error || `Not applied (${response.status}).`;
    } catch (e) {
      message = "Could not reach Rapport; check the connection and try again.";
    }
    if (card) {
      await replaceCard(card.dataset.draft);
      const fresh = document.getElementById(`draft-${card.dataset.draft}`);
      const slot = fresh && fresh.querySelector(".outcome");
      if (slot && message) slot.textContent = message;
    }
  });

  document.addEventListener("change", (event) => {
    const control = event.target;
    if (control instanceof Element && control.hasAttribute("data-submit-on-change") && control.form) {
      control.form.submit();
    }
  });

  async function watch() {
    for (;;) {
      try {
        const response = await fetch(`/api/changes?since=${version}&wait=20`);
        if (response.status === 401) return;  // signed out: stop polling
        const data = await response.json();
        if (data.version !== version || stale) { version = data.version; await refresh(); }
      } catch (e) {
        await new Promise((r) => setTimeout(r, 3000));
      }
    }
  }

  // A panel skipped while the rep typed is refreshed once they stop.
  setInterval(() => { if (stale) refresh(); }, 2000);
  const log = document.getElementById("chat-log");
  if (log) log.scrollTop = log.scrollHeight;
  if (document.querySelector("[data-fragment]")) watch();
})();
