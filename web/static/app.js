// spendscope dashboard: draws the Vega-Lite charts and swaps a few parts of a page in place.
// Written for this project (no htmx): every form also works as a plain HTML form without this file.
(function () {
  "use strict";

  function draw(root) {
    if (!window.vegaEmbed) return;
    root.querySelectorAll("[data-vega]").forEach(function (el) {
      if (el.dataset.drawn) return;
      el.dataset.drawn = "1";
      var spec = JSON.parse(el.getAttribute("data-vega"));
      window.vegaEmbed(el, spec, { actions: false, renderer: "svg" }).catch(function (err) {
        el.textContent = "The chart could not be drawn: " + err.message;
      });
    });
  }

  async function fragment(url) {
    var resp = await fetch(url, { headers: { "X-Spendscope-Fragment": "1" }, credentials: "same-origin" });
    if (resp.status === 401) {
      window.location.reload(); // the session ended: show the sign-in page
      return null;
    }
    return resp.text(); // error pages answer with a fragment too
  }

  function swap(target, html) {
    target.innerHTML = html;
    enhance(target);
  }

  function bind(root) {
    root.querySelectorAll("form[data-swap]").forEach(function (form) {
      if (form.dataset.bound) return;
      form.dataset.bound = "1";
      form.addEventListener("submit", async function (ev) {
        ev.preventDefault();
        var query = new URLSearchParams(new FormData(form)).toString();
        var url = form.getAttribute("action") + (query ? "?" + query : "");
        var target = document.querySelector(form.dataset.swap);
        target.setAttribute("aria-busy", "true");
        try {
          var html = await fragment(url);
          if (html !== null) swap(target, html);
          if (form.hasAttribute("data-push-url")) history.pushState({ swapped: true }, "", url);
        } finally {
          target.removeAttribute("aria-busy");
        }
      });
    });
  }

  function load(root) {
    root.querySelectorAll("[data-load]").forEach(async function (el) {
      var url = el.dataset.load;
      el.removeAttribute("data-load");
      var html = await fragment(url);
      if (html !== null) swap(el, html);
    });
  }

  function enhance(root) {
    draw(root);
    bind(root);
    load(root);
  }

  window.addEventListener("popstate", function (ev) {
    if (ev.state && ev.state.swapped) window.location.reload();
  });
  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
  });
})();
