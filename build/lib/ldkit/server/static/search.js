// Type-ahead for the search form: asks /-/search.json as the reader types and lists the matches
// as links under the field. The form works without it (a plain GET to /-/search).
"use strict";
(() => {
  const input = document.querySelector("input[data-suggest]");
  const list = document.getElementById("suggestions");
  if (!input || !list) return;
  const lang = document.documentElement.lang;
  let pending = 0;
  input.addEventListener("input", () => {
    const text = input.value.trim();
    const ticket = ++pending;
    if (text.length < 2) { list.hidden = true; list.replaceChildren(); return; }
    const url = `${input.dataset.suggest}?q=${encodeURIComponent(text)}&_lang=${encodeURIComponent(lang)}`;
    fetch(url, { headers: { Accept: "application/json" } })
      .then((response) => response.json())
      .then((answer) => {
        if (ticket !== pending) return;
        const items = answer.results.slice(0, 10).map((result) => {
          const link = document.createElement("a");
          link.href = result.url;
          link.textContent = result.label;
          if (result.lang) link.lang = result.lang;
          const item = document.createElement("li");
          item.append(link);
          return item;
        });
        list.replaceChildren(...items);
        list.hidden = items.length === 0;
      })
      .catch(() => { list.hidden = true; });
  });
})();
