// Refresh the queue, chat and memory panels when a draft changes anywhere
// (web, Slack, Discord), without touching a panel the rep is typing in.
(function () {
  let version = Number(document.body.dataset.version || 0);
  function busy(el) {
    const active = document.activeElement;
    return el.contains(active) && (active.tagName === "TEXTAREA" || active.tagName === "INPUT") ||
      el.querySelector("details[open].edit") !== null;
  }
  async function refresh() {
    for (const el of document.querySelectorAll("[data-fragment]")) {
      if (busy(el)) continue;
      const response = await fetch(el.dataset.fragment, { headers: { Accept: "text/html" } });
      if (response.ok) el.innerHTML = await response.text();
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
  async function watch() {
    for (;;) {
      try {
        const response = await fetch(`/api/changes?since=${version}&wait=20`);
        const data = await response.json();
        if (data.version !== version) { version = data.version; await refresh(); }
      } catch (e) {
        await new Promise((r) => setTimeout(r, 3000));
      }
    }
  }
  const log = document.getElementById("chat-log");
  if (log) log.scrollTop = log.scrollHeight;
  watch();
})();
