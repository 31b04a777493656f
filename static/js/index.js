// The home page: live shows first, then the others, each linking to its watch page.
async function load() {
  const response = await fetch("/api/shows");
  const body = response.ok ? await response.json() : { shows: [] };
  const shows = Array.isArray(body) ? body : body.shows || [];
  shows.sort((a, b) => Number(b.live) - Number(a.live));
  const list = document.getElementById("shows");
  list.replaceChildren();
  for (const show of shows) {
    const link = document.createElement("a");
    link.href = `/watch/${encodeURIComponent(show.id)}`;
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.dataset.state = show.live ? "live" : "idle";
    badge.textContent = show.live ? "● LIVE" : show.status.toUpperCase();
    const title = document.createElement("span");
    title.className = "title";
    title.textContent = show.title; // text, never markup
    link.append(badge, title);
    const item = document.createElement("li");
    item.append(link);
    list.append(item);
  }
  document.getElementById("empty").hidden = shows.length > 0;
}

load();
setInterval(load, 10000);
